"""The command line, `python -m aim ...`: migrate the database and report the scorecard.

Every error a user can fix is printed to stderr as one message that says what to fix, with a
non-zero exit status; never a traceback.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click
from alembic.util import CommandError
from sqlalchemy.exc import OperationalError, ProgrammingError

from aim import migrate
from aim.archive_cli import archive
from aim.cli_common import UserError, fiscal_calendar, open_database, settings
from aim.config import DEMO_CITY, ROOT
from aim.db import Database
from aim.importing import ImportReport, RecipeError, import_source, run_recipe_import
from aim.importing.readers import read_source
from aim.importing.recipes import RecipeOutcome
from aim.importing.report import TERMINAL_ROWS, terminal_lines
from aim.periods import EARLIEST_DAY, FiscalCalendar, Period, PeriodError
from aim.progress import LazyProgress
from aim.schemas import Scorecard
from aim.services import archive as releases
from aim.services.catalog import published_years
from aim.services.figures import publish_due
from aim.services.scorecard import scorecard
from aim.services.site import measure_count, site_info
from aim.synthetic import write_city
from aim.users_cli import users


@click.group(help="AIM performance dashboard: database, data and scorecard commands.")
def main() -> None:
    pass


@main.group(help="Database schema commands.")
def db() -> None:
    pass


@db.command("upgrade", help="Migrate the database to the latest schema (safe to run again).")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def db_upgrade(revision: str) -> None:
    url = settings().database_url
    try:
        before = migrate.revision_of(url)
        migrate.upgrade(url, revision)
        after = migrate.revision_of(url)
    except (OperationalError, ProgrammingError) as exc:
        raise UserError(f"Migration failed: {exc.orig}. Check AIM_DATABASE_URL.") from None
    except CommandError as exc:  # an unknown --revision, or one behind the database
        raise UserError(f"--revision {revision}: {exc}") from None
    latest = " (the latest)" if after == migrate.head_revision() else ""
    if before == after:
        click.echo(f"The database is already at revision {after}{latest}; nothing to do.", err=True)
    else:
        click.echo(f"Upgraded the database from {before or 'nothing'} to revision {after}{latest}.", err=True)


def _format(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@main.command("status", help="The citywide index, each priority's index and counts by status.")
@click.option(
    "--period",
    help='Fiscal year "2024", quarter "2024-Q3" or month "2024-07". '
    "Default: the latest ended fiscal year with published data.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The figures as published at the end of this day (YYYY-MM-DD), rebuilt from the revision "
    "history, evaluated as of that day (as the API's as_of). Default: as published now, today.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def status(period: str | None, as_of, as_json: bool) -> None:
    day = as_of.date() if as_of else None
    if day is not None and not EARLIEST_DAY <= day <= date.today():
        raise UserError(f"--as-of: {day} holds no figures; choose a day from {EARLIEST_DAY} to today.")
    database = open_database()
    calendar = fiscal_calendar()
    try:
        with database.read() as session:
            card = scorecard(session, calendar, period, as_of=day or date.today(), published_on=day)
            span = published_years(session, calendar)
    except PeriodError as exc:
        raise UserError(f"--period: {exc}") from None
    finally:
        database.dispose()
    warning = _status_warning(card, span, calendar, asked=period is not None)
    if warning:
        click.echo(warning, err=True)
    if as_json:
        click.echo(json.dumps(card.summary(), indent=2))
        return
    if not card.measures:
        return
    click.echo(f"Period {card.period_label}   citywide index {_format(card.index)}")
    header = f"{'priority':<44} {'index':>6} " + " ".join(f"{k:>9}" for k in card.counts.as_dict())
    click.echo(header)
    for p in card.priorities:
        counts = " ".join(f"{n:>9}" for n in p.counts.as_dict().values())
        click.echo(f"{p.title[:44]:<44} {_format(p.index):>6} {counts}")


@main.command(
    "publish",
    help="Publish the figures approved on or before the latest publication day "
    "(AIM_PUBLICATION_DAY, default the 15th), and archive today's release of every public dataset "
    "(AIM_ARCHIVE_DIR; named after today's date in UTC, the day the figures become public). "
    "Safe to run again: run it daily from cron.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today were this day (YYYY-MM-DD) when choosing what is due. The release is "
    "still named after the real day: it holds what the public sees from today on.",
)
def publish(today) -> None:
    config = settings()
    release_day = releases.today()
    database = open_database()
    try:
        # One transaction: the figures become public only if their release is written too. A failed
        # release rolls the publication back (the next run publishes them and writes it again); a
        # release is written into a staging folder and renamed whole, so none is left half-written.
        with database.write() as session:
            count = publish_due(
                session, today=today.date() if today else date.today(), publication_day=config.publication_day
            )
            written = None
            if count:
                written = releases.write_release(session, release_day, config)
    except (OSError, releases.ArchiveError) as exc:
        raise UserError(
            f"Nothing was published: the release of {release_day} could not be written to "
            f"{releases.folder_of(config, release_day)} ({exc}). Fix that, then run publish again."
        ) from None
    finally:
        database.dispose()
    if not count:
        click.echo("Nothing is due for publication; nothing changed.", err=True)
        return
    click.echo(f"Published {count} approved figure{'s' if count != 1 else ''}.", err=True)
    assert written is not None
    view, new = written
    folder = releases.folder_of(config, release_day)
    if new:
        click.echo(f"Archived the release of {release_day} in {folder} ({view.file_count} files).", err=True)
    else:
        # A release is never rewritten: what was published after it appears in the next one.
        click.echo(
            f"The release of {release_day} was already archived in {folder}; left unchanged. "
            "Today's figures appear in the next release.",
            err=True,
        )


def _status_warning(
    card: Scorecard, span: tuple[Period, Period] | None, calendar: FiscalCalendar, *, asked: bool
) -> str | None:
    """What a reader of `status` must know before the figures: that there are none, and why."""
    if not card.measures:
        return (
            "There is no data to report: the database holds no public measures. Import a city's data "
            "with `python -m aim import PATH` (for example `python -m aim import data/milwaukee`), or "
            "load the demonstration city with `python -m aim seed demo`."
        )
    if span is None:
        return (
            "No values are published yet, so every measure has no data. Import values with "
            "`python -m aim import PATH` (docs/import-format.md)."
        )
    first, last = span
    chosen = calendar.parse(card.period)
    before = calendar.end_date(chosen) < calendar.start_date(first)
    after = calendar.start_date(chosen) > calendar.end_date(last)
    if asked and (before or after):
        return (
            f"Warning: {card.period_label} is outside the published data, which runs from "
            f"{calendar.label(first)} to {calendar.label(last)}: every measure has no data for it."
        )
    return None


def print_import_report(report: ImportReport, report_json: Path | None, extra: dict | None = None) -> None:
    """The import's outcome: counts to stdout; problems to stderr, summed up by reason with the
    first TERMINAL_ROWS of them, one bounded line each; every problem in the JSON file if asked."""
    if report_json:
        document = report.as_dict() | (extra or {})
        report_json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if report.ok:
        verb = "Checked (dry run, nothing written)" if report.dry_run else "Imported"
        click.echo(f"{verb} {report.path} in {report.seconds:.1f} s:")
        click.echo(report.summary())
        return
    if len(report.problems) == 1 and report.problems[0].row == 0:
        # The path itself is wrong (missing, empty, not an import source): one message says so.
        raise UserError(f"{report.problems[0]} Nothing was written.")
    shown = str(report_json) if report_json else None
    for line in terminal_lines(
        report.problems, rows=TERMINAL_ROWS, verb="refused ", report_json=shown, indent=""
    ):
        click.echo(line, err=True)
    fix = "the rows above" if any(p.row for p in report.problems) else "the files above"
    raise UserError(
        f"{len(report.problems):,} problem(s) found in {report.path}; nothing was written. "
        f"Fix {fix} and import again."
    )


@main.command(
    "import",
    help="Import a city's data: a folder of CSV files or an .xlsx workbook "
    "(docs/import-format.md). All or nothing: one bad row and nothing is written.",
)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and report, but write nothing.")
@click.option(
    "--report-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report, with every refused row, to this JSON file (the terminal shows the "
    "first 50; the shape is in docs/import-format.md).",
)
@click.option(
    "--user",
    "who",
    default="import",
    show_default=True,
    help="Who the change is recorded as, in each value's revision history.",
)
@click.option(
    "--recipe",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Map another city's files in the folder PATH (or the sheets of the workbook PATH) with this "
    "recipe (a JSON file, see data/recipes/ and docs/import-format.md).",
)
def import_command(
    path: Path, dry_run: bool, report_json: Path | None, who: str, recipe: Path | None
) -> None:
    database = open_database()
    outcome = None
    try:
        if recipe is None:
            report = _run_import(database, path, who, dry_run)
        else:
            report, outcome = run_recipe_import(
                database, fiscal_calendar(), recipe, path, dry_run=dry_run, who=who
            )
    except RecipeError as exc:
        raise UserError(str(exc)) from None
    finally:
        database.dispose()
    # At most TERMINAL_ROWS rows in all: the problems that stopped the import come first.
    refused_rows = TERMINAL_ROWS - min(len(report.problems), TERMINAL_ROWS)
    if outcome is not None:
        _print_recipe_outcome(outcome, refused_rows, report_json)
    print_import_report(report, report_json, {"recipe": outcome.as_dict()} if outcome else None)


def _print_recipe_outcome(outcome: RecipeOutcome, rows: int, report_json: Path | None) -> None:
    click.echo("Read: " + ", ".join(f"{name} {rows:,} rows" for name, rows in outcome.read.items()))
    for (table, reason), n in sorted(outcome.skipped.items()):
        click.echo(f"  skipped  {n:>6,} {table}: {reason}")
    for table, n in sorted(outcome.merged.items()):
        click.echo(f"  merged   {n:>6,} {table}: superseded by a later plan row for the same key")
    shown = str(report_json) if report_json else None
    for line in terminal_lines(outcome.refused, rows=rows, verb="refused ", report_json=shown):
        click.echo(line)


def _run_import(database: Database, path: Path, who: str, dry_run: bool = False) -> ImportReport:
    source = read_source(path, stream=True)
    progress = LazyProgress({"validate": source.row_count, "write": None})
    try:
        return import_source(
            database,
            fiscal_calendar(),
            source,
            str(path),
            reason=path.name,
            dry_run=dry_run,
            who=who,
            progress=progress,
        )
    finally:
        progress.close()


@main.group(help="Load a demonstration city or a synthetic one for benchmarks.")
def seed() -> None:
    pass


@seed.command("demo", help="Import the Milwaukee demonstration city from data/milwaukee.")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only when the database holds no measures yet (what `make run` does on first start).",
)
def seed_demo(if_empty: bool) -> None:
    database = open_database()
    if if_empty:
        with database.read() as session:
            if measure_count(session):
                click.echo(
                    "The database already holds measures; the demonstration city was not loaded.", err=True
                )
                database.dispose()
                return
    try:
        report = _run_import(database, DEMO_CITY, "seed demo")
    finally:
        database.dispose()
    print_import_report(report, None)


@seed.command("synthetic", help="Write a synthetic city of N monthly measures over Y years and import it.")
@click.option("--measures", type=click.IntRange(1, 100_000), default=2500, show_default=True)
@click.option("--years", type=click.IntRange(1, 60), default=20, show_default=True)
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the CSV files here and keep them (default: a temporary folder).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Load it even into a database that already holds measures (they get mixed together).",
)
def seed_synthetic(measures: int, years: int, seed_value: int, keep: Path | None, force: bool) -> None:
    database = open_database()
    with database.read() as session:
        held, city = measure_count(session), site_info(session).name
    if held and not force:
        database.dispose()
        raise UserError(
            f"The database already holds {held:,} measures"
            + (f" of {city}" if city else "")
            + f"; seed synthetic would rename the city and mix {measures:,} invented measures into it. "
            "Point AIM_DATABASE_URL at an empty database (then run python -m aim db upgrade), "
            "or add --force to do it anyway."
        )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aim-synthetic-") as scratch:
        folder = keep or Path(scratch)
        counts = write_city(folder, measures, years, seed=seed_value)
        written = time.perf_counter() - started
        try:
            report = _run_import(database, folder, "seed synthetic")
        finally:
            database.dispose()
    click.echo(
        f"Wrote {counts['actuals']:,} actuals for {measures:,} measures in {written:.1f} s; "
        f"total {time.perf_counter() - started:.1f} s."
    )
    print_import_report(report, None)


SCHEMA_DIR = ROOT / "data" / "schema"


def schema_files() -> dict[Path, str]:
    """What `schema` writes: each table's Frictionless Table Schema in data/schema/, and the demo
    city's data package with the same schemas inline (Frictionless refuses a schema path outside
    the package's folder)."""
    from aim.importing.tables import TABLES, table_schema

    files = {SCHEMA_DIR / f"{name}.json": _json(table_schema(name)) for name in TABLES}
    package_file = DEMO_CITY / "datapackage.json"
    package = json.loads(package_file.read_text(encoding="utf-8"))
    for resource in package["resources"]:
        resource["schema"] = table_schema(resource["name"])
    files[package_file] = _json(package)
    return files


def _json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@main.command(
    "schema",
    help="Write the Frictionless Table Schemas of the import format to data/schema/ "
    "and into data/milwaukee/datapackage.json.",
)
def schema() -> None:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for path, content in schema_files().items():
        path.write_text(content, encoding="utf-8")
        click.echo(f"wrote {path.relative_to(ROOT)}")


@main.command(
    "bench",
    help="Benchmarks: import speed and the scorecard against a bare SQL aggregate. "
    "Uses scratch databases only.",
)
@click.option("--measures", type=int, default=2500, show_default=True)
@click.option("--years", type=int, default=20, show_default=True)
@click.option("--runs", type=int, default=15, show_default=True)
@click.option(
    "--import-measures",
    type=int,
    default=834,
    show_default=True,
    help="Measures in the import benchmark (834 x 10 years is about 100,000 values).",
)
@click.option("--sqlite/--no-sqlite", default=True, show_default=True)
@click.option(
    "--postgres-url",
    help="A scratch PostgreSQL database to (re)create, e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/aim_bench",
)
@click.option(
    "--pages/--no-pages",
    default=True,
    show_default=True,
    help="Also time each page's server work (gunicorn over HTTP, demo city).",
)
@click.option(
    "--lighthouse",
    is_flag=True,
    help="Also run Lighthouse (npx, Debian chromium) twice on two pages and on a blank Dash page.",
)
@click.option(
    "--data/--no-data", default=True, show_default=True, help="The import and scorecard benchmarks."
)
@click.option(
    "--import-scale",
    default="2500,10000",
    show_default=True,
    help="Measures (x 20 years) of the imports timed at scale with their peak memory, comma-separated; "
    "on PostgreSQL when --postgres-url is given, else SQLite. Empty: skip.",
)
@click.option(
    "--sign-ins/--no-sign-ins",
    default=True,
    show_default=True,
    help="50 simultaneous sign-ins on 2 gunicorn workers (needs --redis-url).",
)
@click.option(
    "--crowd/--no-crowd",
    default=True,
    show_default=True,
    help="Also load the home and measure callbacks and /api/v1/scorecard with 32 connections on "
    "2 workers (ab), beside a toy Dash callback.",
)
@click.option(
    "--redis-url",
    default="redis://127.0.0.1:6379/14",
    show_default=True,
    envvar="AIM_BENCH_REDIS_URL",
    help="A scratch Redis database for the sign-in and crowd benchmarks (the crowd's empties it first).",
)
def bench(
    measures: int,
    years: int,
    runs: int,
    import_measures: int,
    sqlite: bool,
    postgres_url: str | None,
    pages: bool,
    lighthouse: bool,
    data: bool,
    import_scale: str,
    sign_ins: bool,
    crowd: bool,
    redis_url: str,
) -> None:
    from aim import bench as benchmarks
    from aim import bench_load
    from aim.runtime import settle_collector

    settle_collector()  # the collector as a server process has it (app.py), so the services time alike
    if data:
        benchmarks.run(sqlite, postgres_url, measures, years, runs, import_measures)
    if import_scale.strip():
        sizes = [int(size) for size in import_scale.split(",")]
        label = "PostgreSQL" if postgres_url else "SQLite"
        benchmarks.import_scale_benchmark(label, postgres_url, sizes, years=20)
    if sign_ins:
        benchmarks.sign_in_benchmark(postgres_url, redis_url)
    if pages:
        benchmarks.pages_benchmark(runs, lighthouse)
    if crowd:
        bench_load.crowd_benchmark(postgres_url, redis_url)


main.add_command(users)
main.add_command(archive)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
