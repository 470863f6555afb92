"""The import format and the all-or-nothing importer (see docs/import-format.md).

`run_import` reads a source, validates every row, checks every reference, and writes everything in
one transaction, or nothing at all when any row is refused (or when it is a dry run). It streams
CSV files: memory stays flat as they grow (see loader.py).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from aim.db import Database
from aim.importing.loader import ConcurrentChange, Loader, Progress, validate
from aim.importing.readers import Source, read_source
from aim.importing.recipes import RecipeError, RecipeOutcome, load_recipe, run_recipe
from aim.importing.report import ImportReport, Problem
from aim.periods import FiscalCalendar

__all__ = ["ImportReport", "Problem", "import_source", "run_import", "run_recipe_import"]


class _Rollback(Exception):
    """Raised inside the write transaction to undo it (dry runs and refused imports)."""


def run_import(
    database: Database,
    calendar: FiscalCalendar,
    path: Path | str,
    *,
    dry_run: bool = False,
    who: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    path = Path(path)
    return import_source(
        database,
        calendar,
        read_source(path, stream=True),
        str(path),
        reason=path.name,
        dry_run=dry_run,
        who=who,
        progress=progress,
    )


def import_source(
    database: Database,
    calendar: FiscalCalendar,
    source: Source,
    label: str,
    *,
    reason: str,
    dry_run: bool = False,
    who: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and load tables already read (from files, or produced by a recipe)."""
    started = time.perf_counter()
    report = ImportReport(label, dry_run=dry_run, ignored=list(source.ignored))
    report.problems.extend(source.problems)
    tables = validate(source, report, progress)
    try:
        with database.write() as session:
            loader = Loader(
                session,
                calendar,
                tables,
                report,
                who=who,
                reason=reason,
                now=datetime.now(timezone.utc),
                progress=progress,
            )
            loader.check_references()
            if report.problems:
                raise _Rollback
            loader.write()
            session.flush()
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except ConcurrentChange as exc:
        report.problems.append(Problem(label, 0, "", "", str(exc)))
    except DBAPIError as exc:
        report.problems.append(Problem(label, 0, "", "", f"The database refused the import: {exc.orig}"))
    finally:
        for table in tables.values():
            table.rows.close()  # the temporary files of large tables
    if report.problems:
        for counts in report.counts.values():
            counts.created = counts.updated = counts.unchanged = 0
    report.seconds = time.perf_counter() - started
    return report


def run_recipe_import(
    database: Database,
    calendar: FiscalCalendar,
    recipe_path: Path | str,
    folder: Path | str,
    *,
    dry_run: bool = False,
    who: str = "import",
    progress: Progress | None = None,
) -> tuple[ImportReport, RecipeOutcome]:
    """Map another city's files with a recipe, then import what it mapped (all or nothing).

    Raises RecipeError when the recipe is invalid, its files cannot be read, or it was written for
    a different fiscal year than this installation's.
    """
    recipe_path, folder = Path(recipe_path), Path(folder)
    recipe = load_recipe(recipe_path)
    if recipe.fiscal_year_start_month != calendar.start_month:
        raise RecipeError(
            f"The recipe {recipe_path.name} is for a fiscal year starting in month "
            f"{recipe.fiscal_year_start_month}, but AIM_FISCAL_YEAR_START_MONTH is {calendar.start_month}. "
            f"Import into a database configured with AIM_FISCAL_YEAR_START_MONTH="
            f"{recipe.fiscal_year_start_month}."
        )
    outcome = run_recipe(recipe, folder)
    report = import_source(
        database,
        calendar,
        outcome.source,
        str(folder),
        reason=f"{folder.name} (recipe {recipe_path.name})",
        dry_run=dry_run,
        who=who,
        progress=progress,
    )
    return report, outcome
