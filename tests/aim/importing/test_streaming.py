"""The importer streams: memory does not grow with the file, and files larger than a batch are
checked and written as a whole (duplicates across batches, changes in every batch, all or nothing).

Batches are made small here (a few hundred rows) so that small files span many of them."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aim.db import Database
from aim.importing import import_source, loader, rowstore, run_import
from aim.importing.readers import read_source
from aim.models import Actual, ActualRevision
from aim.periods import FiscalCalendar
from tests.aim.importing.test_import import CITY, write

CAL = FiscalCalendar(1)
BATCH = 300


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(rowstore, "BATCH", BATCH)
    monkeypatch.setattr(loader, "_CHUNK", BATCH)


def _city(folder: Path, months: int, *, value=lambda m, i: 100 + i, extra_rows: str = "") -> Path:
    """The test city with `months` monthly values of violent-crimes from January 1901 on."""
    lines = ["measure,period,value,explanation,state"]
    for i in range(months):
        lines.append(f"violent-crimes,{1901 + i // 12}-{i % 12 + 1:02d},{value(i // 12, i)},,")
    return write(folder, {**CITY, "actuals": "\n".join(lines) + "\n" + extra_rows})


def _traced_peak(url: str, folder: Path) -> int:
    database = Database(url)
    try:
        tracemalloc.start()
        report = run_import(database, CAL, folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        database.dispose()
    assert report.ok, report.problems[:3]
    return peak


def test_an_import_four_times_longer_does_not_take_four_times_the_memory(
    small_batches, sqlite_template, tmp_path
):
    # 1,200 and 4,800 values at 300 rows a batch. Holding the file's rows (cells, models, insert
    # parameters: about 1.5 kB a row, measured before streaming) would add over 5 MB for the longer
    # file; streaming adds what grows per row by design: a 16-byte key, plus, because each row
    # here has its own period, the numbering and lru caches of 3,600 more periods (~1.5 MB
    # measured in the full suite, where warm caches shift the two peaks).
    peaks = []
    for months in (1200, 4800):
        target = tmp_path / f"aim-{months}.db"
        shutil.copyfile(sqlite_template, target)
        peaks.append(_traced_peak(f"sqlite:///{target}", _city(tmp_path / f"city-{months}", months)))
    small, large = peaks
    assert large - small < 3_000_000, f"peak {small:,} B for 1,200 values, {large:,} B for 4,800"


def test_a_duplicate_in_another_batch_names_the_earlier_row(small_batches, database, tmp_path):
    folder = _city(tmp_path, 1000, extra_rows="violent-crimes,1901-02,5,,\nviolent-crimes,1950-01,6,,\n")
    report = run_import(database, CAL, folder)
    assert [(p.row, p.message) for p in report.problems] == [
        (1002, "Duplicate actual violent-crimes 1901-02: the same as row 3."),
        (1003, "Duplicate actual violent-crimes 1950-01: the same as row 590."),
    ]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Actual)) == 0


def test_a_reimport_changes_values_in_every_batch_and_counts_the_rest_unchanged(
    small_batches, database, tmp_path
):
    assert run_import(database, CAL, _city(tmp_path / "first", 1000)).ok
    # Every fifth year changes: 12 of every 60 values, in each of the four batches.
    again = _city(tmp_path / "again", 1000, value=lambda year, i: 100 + i + (year % 5 == 0))
    report = run_import(database, CAL, again)
    assert report.ok, report.problems[:3]
    changed = sum(1 for i in range(1000) if (i // 12) % 5 == 0)
    assert (report.counts["actuals"].updated, report.counts["actuals"].unchanged) == (changed, 1000 - changed)
    with database.read() as s:
        assert s.scalar(select(func.sum(Actual.value))) == sum(100 + i for i in range(1000)) + changed
        assert s.scalar(select(func.count()).select_from(ActualRevision)) == 1000 + changed


def test_an_unknown_measure_in_the_last_batch_leaves_nothing_written(small_batches, database, tmp_path):
    folder = _city(tmp_path, 1000, extra_rows="no-such-measure,1901-01,5,,\n")
    report = run_import(database, CAL, folder)
    assert [p.row for p in report.problems] == [1002]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Actual)) == 0


def test_a_file_that_changes_between_reading_and_importing_is_refused(database, tmp_path):
    folder = _city(tmp_path, 24)
    source = read_source(folder, stream=True)  # the rows are read again when they are validated
    with (folder / "actuals.csv").open("a", encoding="utf-8") as handle:
        handle.write("violent-crimes,1990-01,5,,\n")
    report = import_source(database, CAL, source, str(folder), reason="test")
    assert [p.message for p in report.problems] == [
        "The file changed while it was imported; import it again."
    ]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Actual)) == 0
