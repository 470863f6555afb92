"""Benchmarks that print figures (`make bench`): import speed, and the scorecard service against the
bare SQL aggregate over the same rows. Scripts, not timed tests: machines differ, figures matter."""
from __future__ import annotations

import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from aim import migrate
from aim.db import Database
from aim.importing import run_import
from aim.models import Actual
from aim.periods import FiscalCalendar
from aim.services import scorecard as sc
from aim.synthetic import write_city


@dataclass
class Timing:
    median_ms: float
    p90_ms: float
    min_ms: float

    @classmethod
    def of(cls, fn: Callable[[], object], runs: int, warmup: int = 3) -> Timing:
        for _ in range(warmup):
            fn()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        return cls(statistics.median(samples), samples[int(0.9 * (len(samples) - 1))], samples[0])


def fresh_database(url: str | None, scratch: Path) -> str:
    """A new, migrated database: a SQLite file in `scratch`, or a recreated PostgreSQL database."""
    if url is None:
        url = f"sqlite:///{scratch / 'bench.db'}"
    else:
        parsed = make_url(url)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    migrate.upgrade(url)
    return url


def import_benchmark(url: str, scratch: Path, measures: int, years: int, calendar: FiscalCalendar) -> dict:
    folder = scratch / f"city-{measures}x{years}"
    counts = write_city(folder, measures, years, seed=7, through=date(2026, 11, 1))
    database = Database(url)
    try:
        first = run_import(database, calendar, folder)
        again = run_import(database, calendar, folder)
    finally:
        database.dispose()
    assert first.ok and again.ok and not again.changed, (first.problems[:3], again.counts)
    return {"actuals": counts["actuals"], "rows": sum(counts.values()), "first_s": first.seconds,
            "again_s": again.seconds}


def scorecard_benchmark(url: str, calendar: FiscalCalendar, period: str, runs: int) -> dict:
    database = Database(url)
    try:
        # The steady state autovacuum (PostgreSQL) or a nightly ANALYZE (SQLite) leaves behind:
        # fresh statistics, and on PostgreSQL a visibility map so index-only scans skip the table.
        with database.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE" if database.dialect == "postgresql" else "ANALYZE")
        with database.read() as session:
            p = calendar.parse(period)
            kinds = sc._kinds_within(p)  # noqa: SLF001 - the benchmark reads the same periods
            keys = {k: sc._keys_for(calendar, p, k, date(2026, 11, 26)) for k in kinds}  # noqa: SLF001
            period_keys = sorted({q.key for k in keys.values() for q in (*k.current, *k.previous, *k.window, k.due)})
            bare = (select(Actual.measure_id, func.sum(Actual.value), func.count(Actual.value))
                    .where(Actual.state == "published", Actual.period.in_(period_keys))
                    .group_by(Actual.measure_id))
            rows = session.execute(select(func.count()).select_from(Actual).where(
                Actual.state == "published", Actual.period.in_(period_keys))).scalar()
            card = sc.scorecard(session, calendar, p, as_of=date(2026, 11, 26))
            service = Timing.of(lambda: sc.scorecard(session, calendar, p, as_of=date(2026, 11, 26)), runs)
            baseline = Timing.of(lambda: session.execute(bare).all(), runs)
    finally:
        database.dispose()
    return {"measures": len(card.measures), "rows": rows, "service": service, "bare": baseline}


def run(sqlite: bool, postgres_url: str | None, measures: int, years: int, runs: int, import_measures: int) -> None:
    calendar = FiscalCalendar(1)
    print(f"# AIM benchmarks, {date.today()}, {platform.machine()}, Python {platform.python_version()}")
    targets = ([("SQLite", None)] if sqlite else []) + ([("PostgreSQL", postgres_url)] if postgres_url else [])
    for label, url in targets:
        with tempfile.TemporaryDirectory(prefix="aim-bench-") as scratch_name:
            scratch = Path(scratch_name)
            small = import_benchmark(fresh_database(url, scratch), scratch, import_measures, 10, calendar)
            print(f"\n## {label}\n")
            print("| import | rows in file | actuals | first import | same file again |")
            print("|---|---:|---:|---:|---:|")
            print(f"| {import_measures:,} measures x 10 years | {small['rows']:,} | {small['actuals']:,} | "
                  f"{small['first_s']:.1f} s | {small['again_s']:.1f} s |")
            big_url = fresh_database(url, scratch)
            big = import_benchmark(big_url, scratch, measures, years, calendar)
            print(f"| {measures:,} measures x {years} years | {big['rows']:,} | {big['actuals']:,} | "
                  f"{big['first_s']:.1f} s | {big['again_s']:.1f} s |")
            result = scorecard_benchmark(big_url, calendar, "2025", runs)
            service, bare = result["service"], result["bare"]
            print(f"\nScorecard for fiscal year 2025: {result['measures']:,} public measures, "
                  f"{result['rows']:,} published values read, {runs} warm runs.\n")
            print("| query | median | p90 | min |")
            print("|---|---:|---:|---:|")
            print(f"| scorecard service (SQL + status rules + view models) | {service.median_ms:.0f} ms | "
                  f"{service.p90_ms:.0f} ms | {service.min_ms:.0f} ms |")
            print(f"| bare SQL aggregate over the same rows | {bare.median_ms:.0f} ms | {bare.p90_ms:.0f} ms | "
                  f"{bare.min_ms:.0f} ms |")
            print(f"| ratio (median) | {service.median_ms / bare.median_ms:.2f}x | | |")
