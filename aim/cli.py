"""The command line, `python -m aim ...`: migrate the database and report the scorecard.

Every error a user can fix is printed to stderr as one message that says what to fix, with a
non-zero exit status; never a traceback.
"""
from __future__ import annotations

import json
import sys
from datetime import date

import click
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError, ProgrammingError

from aim import migrate
from aim.config import ConfigurationError, get_settings
from aim.db import Database
from aim.periods import FiscalCalendar, PeriodError
from aim.services.scorecard import scorecard


class UserError(click.ClickException):
    """An error the user can fix; click prints it to stderr and exits with status 1."""


def _settings():
    try:
        return get_settings()
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None


def _database() -> Database:
    settings = _settings()
    database = Database(settings.database_url)
    try:
        with database.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except OperationalError as exc:
        raise UserError(
            f"Cannot connect to the database at {database.engine.url!r}: {exc.orig}. "
            "Check AIM_DATABASE_URL and that the database server is running."
        ) from None
    if "measures" not in tables:
        raise UserError("The database has no AIM tables yet. Run: python -m aim db upgrade")
    return database


def _calendar() -> FiscalCalendar:
    return FiscalCalendar(_settings().fiscal_year_start_month)


@click.group(help="AIM performance dashboard: database, data and scorecard commands.")
def main() -> None:
    pass


@main.group(help="Database schema commands.")
def db() -> None:
    pass


@db.command("upgrade", help="Migrate the database to the latest schema (safe to run again).")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def db_upgrade(revision: str) -> None:
    url = _settings().database_url
    try:
        migrate.upgrade(url, revision)
    except (OperationalError, ProgrammingError) as exc:
        raise UserError(f"Migration failed: {exc.orig}. Check AIM_DATABASE_URL.") from None
    click.echo(f"Database is at revision {revision}.", err=True)


def _format(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@main.command("status", help="The citywide index, each priority's index and counts by status.")
@click.option("--period", help='Fiscal year "2024", quarter "2024-Q3" or month "2024-07". '
              "Default: the latest ended fiscal year with published data.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Evaluate staleness as of this day (YYYY-MM-DD) instead of today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def status(period: str | None, as_of, as_json: bool) -> None:
    database = _database()
    calendar = _calendar()
    try:
        with database.read() as session:
            card = scorecard(session, calendar, period, as_of=as_of.date() if as_of else date.today())
    except PeriodError as exc:
        raise UserError(f"--period: {exc}") from None
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(card.summary(), indent=2))
        return
    click.echo(f"Period {card.period_label}   citywide index {_format(card.index)}")
    header = f"{'priority':<44} {'index':>6} " + " ".join(f"{k:>9}" for k in card.counts.as_dict())
    click.echo(header)
    for p in card.priorities:
        counts = " ".join(f"{n:>9}" for n in p.counts.as_dict().values())
        click.echo(f"{p.title[:44]:<44} {_format(p.index):>6} {counts}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
