"""What every command group of `python -m aim` shares (aim/cli.py, aim/users_cli.py): the error a
user can fix, and opening the configured database with a message that says what to do when it is
unreachable or not migrated yet."""

from __future__ import annotations

import click
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from aim.config import ConfigurationError, Settings, get_settings
from aim.db import Database
from aim.periods import FiscalCalendar


class UserError(click.ClickException):
    """An error the user can fix; click prints it to stderr and exits with status 1."""


def settings() -> Settings:
    try:
        return get_settings()
    except ConfigurationError as exc:
        raise UserError(str(exc)) from None


def open_database() -> Database:
    """The configured database, checked to answer and to hold the AIM tables."""
    database = Database(settings().database_url)
    try:
        with database.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except OperationalError as exc:
        database.dispose()
        raise UserError(
            f"Cannot connect to the database at {database.engine.url!r}: {exc.orig}. "
            "Check AIM_DATABASE_URL and that the database server is running."
        ) from None
    if "measures" not in tables:
        database.dispose()
        raise UserError("The database has no AIM tables yet. Run: python -m aim db upgrade")
    return database


def fiscal_calendar() -> FiscalCalendar:
    return FiscalCalendar(settings().fiscal_year_start_month)
