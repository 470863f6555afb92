"""Benchmarks that print figures (`make bench`): import speed, and the scorecard service against the
bare SQL aggregate over the same rows. Scripts, not timed tests: machines differ, figures matter."""

from __future__ import annotations

import csv
import itertools
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from aim import migrate
from aim.config import DEMO_CITY
from aim.db import Database
from aim.importing import run_import
from aim.models import Activity, Actual, Department, Measure, Target
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
        return cls.of_samples(samples)

    @classmethod
    def taking_turns(cls, fns: Sequence[Callable[[], object]], runs: int, warmup: int = 3) -> list[Timing]:
        """Each of `fns` timed `runs` times, one call of each in turn: a machine that drifts (other
        work, another tenant of the host) slows them alike, so their ratio holds, where timing one
        after the other puts a slow spell on one side of it."""
        samples: list[list[float]] = [[] for _ in fns]
        for n in range(warmup + runs):
            for fn, own in zip(fns, samples, strict=True):
                started = time.perf_counter()
                fn()
                if n >= warmup:
                    own.append((time.perf_counter() - started) * 1000)
        return [cls.of_samples(own) for own in samples]

    @classmethod
    def of_samples(cls, samples_ms: list[float]) -> Timing:
        """The median, 90th percentile and least of times measured elsewhere (over HTTP, say)."""
        ordered = sorted(samples_ms)
        return cls(statistics.median(ordered), ordered[int(0.9 * (len(ordered) - 1))], ordered[0])


def fresh_database(url: str | None, scratch: Path) -> str:
    """A new, migrated database: a SQLite file in `scratch`, or a recreated PostgreSQL database."""
    if url is None:
        (scratch / "bench.db").unlink(missing_ok=True)  # fresh: not the previous benchmark's city
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
    return {
        "actuals": counts["actuals"],
        "rows": sum(counts.values()),
        "first_s": first.seconds,
        "again_s": again.seconds,
    }


def workbook_from_folder(folder: Path, path: Path) -> Path:
    """The CSV files of `folder` as one workbook, a sheet per table, figures as numbers (as a
    spreadsheet holds them). Written in openpyxl's streaming mode, so memory stays flat."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for file in sorted(folder.glob("*.csv")):
        sheet = workbook.create_sheet(file.stem)
        with file.open(newline="", encoding="utf-8") as handle:
            for n, cells in enumerate(csv.reader(handle)):
                sheet.append(cells if n == 0 else [_as_number(c) for c in cells])
    workbook.save(path)
    return path


def _as_number(cell: str) -> object:
    try:
        number = float(cell)
    except ValueError:
        return cell
    return int(number) if number.is_integer() and "." not in cell else number


def xlsx_benchmark(url: str | None, scratch: Path, actuals: int, calendar: FiscalCalendar) -> dict:
    """The same synthetic city (about `actuals` monthly actuals) imported from a folder of CSV
    files and from an .xlsx workbook, each into a fresh database: reading and validating included."""
    measures = max(-(-actuals // 118), 1)  # monthly measures over 10 years to Oct 2026: 118 values each
    folder = scratch / f"xlsx-city-{measures}"
    counts = write_city(folder, measures, 10, seed=11, through=date(2026, 11, 1))
    started = time.perf_counter()
    workbook = workbook_from_folder(folder, scratch / "city.xlsx")
    written = time.perf_counter() - started
    result = {"actuals": counts["actuals"], "write_s": written, "bytes": workbook.stat().st_size}
    for name, path in (("csv", folder), ("xlsx", workbook)):
        database = Database(fresh_database(url, scratch))
        try:
            started = time.perf_counter()
            report = run_import(database, calendar, path)
            result[f"{name}_s"] = time.perf_counter() - started
        finally:
            database.dispose()
        assert report.ok, report.problems[:3]
    return result


def scorecard_benchmark(url: str, calendar: FiscalCalendar, period: str, runs: int) -> dict:
    database = Database(url)
    try:
        # The steady state autovacuum (PostgreSQL) or a nightly ANALYZE (SQLite) leaves behind:
        # fresh statistics, and on PostgreSQL a visibility map so index-only scans skip the table.
        with database.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE" if database.dialect == "postgresql" else "ANALYZE"
            )
        with database.read() as session:
            p = calendar.parse(period)
            kinds = sc._kinds_within(p)  # noqa: SLF001 - the benchmark reads the same periods
            keys = {k: sc._keys_for(calendar, p, k, date(2026, 11, 26)) for k in kinds}  # noqa: SLF001
            period_keys = sorted(
                {q.key for k in keys.values() for q in (*k.current, *k.previous, *k.window, k.due)}
            )
            bare = (
                select(Actual.measure_id, func.sum(Actual.value), func.count(Actual.value))
                .where(Actual.state == "published", Actual.period.in_(period_keys))
                .group_by(Actual.measure_id)
            )
            rows = session.execute(
                select(func.count())
                .select_from(Actual)
                .where(Actual.state == "published", Actual.period.in_(period_keys))
            ).scalar()
            # Not the baseline of the ratio: what the service reads besides the values, beside them
            # (the aggregate, the public measures with their activities and departments, and the
            # targets of the period), fetched as rows.
            own = "id code name unit_kind unit_label direction frequency aggregation tolerance is_key"
            own += " measure_type active_from retired_at activity_id is_public"
            measures = (
                select(*(getattr(Measure, name) for name in own.split()))
                .add_columns(Activity.code, Activity.name, Department.code, Department.name)
                .join(Activity, Measure.activity_id == Activity.id)
                .join(Department, Activity.department_id == Department.id)
                .where(Measure.is_public.is_(True))
            )
            targets = select(Target.measure_id, Target.period, Target.value, Target.low, Target.high).where(
                Target.period.in_(sc._target_keys(calendar, p))  # noqa: SLF001 - the service's keys
            )

            def reads() -> None:
                connection = session.connection()
                for query in (bare, measures, targets):
                    connection.execute(query).all()

            card = sc.scorecard(session, calendar, p, as_of=date(2026, 11, 26))
            # Taking turns, so that a slow spell of the machine falls on both sides of the ratio.
            service, baseline = Timing.taking_turns(
                [
                    lambda: sc.scorecard(session, calendar, p, as_of=date(2026, 11, 26)),
                    lambda: session.execute(bare).all(),
                ],
                runs,
            )
            read = Timing.of(reads, runs)
            parts = _scorecard_parts(session, calendar, p, date(2026, 11, 26), runs)
    finally:
        database.dispose()
    return {
        "measures": len(card.measures),
        "rows": rows,
        "service": service,
        "bare": baseline,
        "reads": read,
        "parts": parts,
    }


def _scorecard_parts(session, calendar: FiscalCalendar, period, as_of: date, runs: int) -> dict[str, Timing]:
    """The scorecard service's steps timed one after another on the session (the service runs the
    scan on a connection of its own beside the next four, then the last two): where its time goes,
    for whoever works on its ratio to the bare aggregate. The service's own private steps."""
    plans = [
        sc._Plan(period, {k: sc._keys_for(calendar, period, k, as_of) for k in sc._kinds_within(period)})
    ]
    visible = sc._public_measures(session)
    keys = set(sc._target_keys(calendar, period))
    targets = sc._target_columns(session, visible, keys)
    priorities, slugs = sc._priority_links(session)
    scan = sc._aggregate_actuals(session, plans, None, Actual.__table__)

    def prepared():
        return sc._prepare(visible, calendar, plans[0], targets, slugs)

    samples = []  # the evaluation fills in the prepared view models: a fresh preparation each run
    for i in range(runs + 3):
        ready = prepared()
        started = time.perf_counter()
        finished = sc._finish(ready, calendar, scan)
        if i >= 3:
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "the scan of the values": Timing.of(
            lambda: sc._aggregate_actuals(session, plans, None, Actual.__table__), runs
        ),
        "the measures": Timing.of(lambda: sc._public_measures(session), runs),
        "the targets": Timing.of(lambda: sc._target_columns(session, visible, keys), runs),
        "the priorities": Timing.of(lambda: sc._priority_links(session), runs),
        "the preparation (no values needed)": Timing.of(prepared, runs),
        "the evaluation (the rules, the view models filled in)": Timing.of_samples(samples),
        "the counts": Timing.of(lambda: sc._card(calendar, period, as_of, priorities, slugs, finished), runs),
    }


def review_benchmark(url: str, calendar: FiscalCalendar, period: str, runs: int) -> dict:
    """The review room's landing page over the big city, as the Mayor's Office opens it: the service
    alone, and the page's server time over HTTP (gunicorn, one worker, signed in, Server-Timing);
    each built afresh every time (the goal) and kept by data version (aim.services.review.RoomMemo)."""
    from aim.auth import Principal, Role
    from aim.models import User
    from aim.schemas import ReviewQuery
    from aim.services import review
    from aim.services import users as accounts

    as_of = date(2026, 11, 26)
    database = Database(url)
    password = "quarterly stat meeting with department heads"
    try:
        with database.write() as session:
            # Created once per database: the benchmark can be run again on the same city.
            known = session.scalar(select(User.id).where(User.email == "bench.mayor@city.gov"))
            if known is None:
                known = accounts.create_user(
                    session,
                    "bench.mayor@city.gov",
                    password,
                    "mayors_office",
                    (),
                    actor=None,
                    client_address="bench",
                ).id
        with database.read() as session:
            mayor = Principal(user_id=known, email="bench.mayor@city.gov", role=Role.MAYORS_OFFICE)
            p, query = calendar.parse(period), ReviewQuery()
            room = review.review_room(session, calendar, p, query, user=mayor, as_of=as_of)
            service = Timing.of(
                lambda: review.review_room(session, calendar, p, query, user=mayor, as_of=as_of), runs
            )
            memo = review.RoomMemo()
            memoised = Timing.of(
                lambda: review.review_room(session, calendar, p, query, user=mayor, as_of=as_of, memo=memo),
                runs,
            )
    finally:
        database.dispose()
    pages = {memo_on: _review_page(url, period, password, runs, memo_on) for memo_on in (False, True)}
    return {
        "room": room,
        "service": service,
        "memoised": memoised,
        "page": pages[False],
        "memo_page": pages[True],
    }


def _review_page(url: str, period: str, password: str, runs: int, memo: bool) -> Timing:
    """The `/review-room` page's server time, signed in as the benchmark's mayor; the room built
    afresh for each request (AIM_REVIEW_MEMO off) or kept between them (on)."""
    import re

    import requests

    with (
        gunicorn(url, server_timing="true", review_memo=str(memo).lower()) as base,
        requests.Session() as http,
    ):
        login = http.get(f"{base}/login", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
        assert token, "no CSRF token on the sign-in page"
        signed = http.post(
            f"{base}/login",
            data={
                "csrf_token": token.group(1),
                "email": "bench.mayor@city.gov",
                "password": password,
                "next": "",
            },
            allow_redirects=False,
            timeout=60,
        )
        assert signed.status_code == 303 and signed.headers["Location"].endswith("/review-room"), (
            signed.status_code
        )
        method, target, body = _page_requests(base, f"/review-room?period={period}")[-1]
        samples = []
        for i in range(runs + 3):
            response = http.request(method, target, json=body, timeout=60)
            assert response.status_code == 200 and "What changed" in response.text
            if i >= 3:
                samples.append(_server_ms(response))
    return Timing.of_samples(samples)


def workbench_benchmark(
    url: str, calendar: FiscalCalendar, period: str, runs: int, *, page: bool = False
) -> dict:
    """The analyst workbench's server work: every measure (internal included) for two fiscal years,
    budgets, cost per unit and the scatter (aim.services.budgets.workbench), then one filter.

    With `page`, also the `/analysis` page's server time over HTTP (gunicorn, one worker, signed in
    as a budget analyst, Server-Timing): the service, the layout and its JSON. That adds an account
    to the database, so it is off for a shared, read-only city."""
    from aim.auth import Principal, Role
    from aim.services.budgets import shape_workbench, workbench

    analyst = Principal(user_id=1, email="bench@example.org", role=Role.BUDGET_ANALYST)
    database = Database(url)
    try:
        with database.read() as session:
            p = calendar.parse(period)

            def once():
                view = workbench(session, calendar, p, user=analyst, as_of=date(2026, 11, 26))
                shape_workbench(view, group="department")
                return view

            view = once()
            timing = Timing.of(once, runs)
    finally:
        database.dispose()
    outputs = sum(1 for r in view.rows if r["cost_per_unit"] is not None)
    found = {"rows": len(view.rows), "outputs": outputs, "points": len(view.points), "timing": timing}
    if page:
        found["page"] = _workbench_page(url, period, runs)
    return found


def _workbench_page(url: str, period: str, runs: int) -> Timing:
    """Server time of `/analysis?year=` as a budget analyst opens it (the page callback's work)."""
    import requests

    from aim.models import User
    from aim.services import users as accounts

    email = "bench.workbench@city.gov"
    database = Database(url)
    try:
        with database.write() as session:
            # Created once per database: the benchmark can be run again on the same city.
            if session.scalar(select(User.id).where(User.email == email)) is None:
                accounts.create_user(
                    session, email, BENCH_PASSWORD, "budget_analyst", (), actor=None, client_address="bench"
                )
    finally:
        database.dispose()
    with gunicorn(url, server_timing="true") as base, requests.Session() as http:
        _sign_in(http, base, email)
        method, target, body = _page_requests(base, f"/analysis?year={period}")[-1]
        samples = []
        for i in range(runs + 3):
            response = http.request(method, target, json=body, timeout=60)
            assert response.status_code == 200 and "measures, fiscal" in response.text, response.status_code
            if i >= 3:
                samples.append(_server_ms(response))
    return Timing.of_samples(samples)


def run(
    sqlite: bool, postgres_url: str | None, measures: int, years: int, runs: int, import_measures: int
) -> None:
    calendar = FiscalCalendar(1)
    print(f"# AIM benchmarks, {date.today()}, {platform.machine()}, Python {platform.python_version()}")
    targets = ([("SQLite", None)] if sqlite else []) + (
        [("PostgreSQL", postgres_url)] if postgres_url else []
    )
    for label, url in targets:
        with tempfile.TemporaryDirectory(prefix="aim-bench-") as scratch_name:
            scratch = Path(scratch_name)
            small = import_benchmark(fresh_database(url, scratch), scratch, import_measures, 10, calendar)
            print(f"\n## {label}\n")
            print("| import | rows in file | actuals | first import | same file again |")
            print("|---|---:|---:|---:|---:|")
            print(
                f"| {import_measures:,} measures x 10 years | {small['rows']:,} | {small['actuals']:,} | "
                f"{small['first_s']:.1f} s | {small['again_s']:.1f} s |"
            )
            xlsx = xlsx_benchmark(url, scratch, 100_000, calendar)
            print(
                f"\nThe same city of {xlsx['actuals']:,} actuals from CSV files and from an .xlsx workbook "
                f"({xlsx['bytes'] / 1e6:.1f} MB, written in {xlsx['write_s']:.1f} s), read, checked and "
                "imported into an empty database:\n"
            )
            print("| source | import |")
            print("|---|---:|")
            print(f"| folder of CSV files | {xlsx['csv_s']:.1f} s |")
            print(f"| .xlsx workbook | {xlsx['xlsx_s']:.1f} s |")
            print(f"| ratio | {xlsx['xlsx_s'] / xlsx['csv_s']:.2f}x |\n")
            big_url = fresh_database(url, scratch)
            big = import_benchmark(big_url, scratch, measures, years, calendar)
            print(
                f"| {measures:,} measures x {years} years | {big['rows']:,} | {big['actuals']:,} | "
                f"{big['first_s']:.1f} s | {big['again_s']:.1f} s |"
            )
            result = scorecard_benchmark(big_url, calendar, "2025", runs)
            service, bare = result["service"], result["bare"]
            print(
                f"\nScorecard for fiscal year 2025: {result['measures']:,} public measures, "
                f"{result['rows']:,} published values read, {runs} warm runs.\n"
            )
            print("| query | median | p90 | min |")
            print("|---|---:|---:|---:|")
            print(
                f"| scorecard service (SQL + status rules + view models) | {service.median_ms:.0f} ms | "
                f"{service.p90_ms:.0f} ms | {service.min_ms:.0f} ms |"
            )
            print(
                f"| bare SQL aggregate over the same rows | {bare.median_ms:.0f} ms | {bare.p90_ms:.0f} ms | "
                f"{bare.min_ms:.0f} ms |"
            )
            reads = result["reads"]
            print(
                f"| for reference, not the ratio's baseline: the bare aggregate, the public measures' rows "
                f"and the period's targets, fetched | {reads.median_ms:.0f} ms | {reads.p90_ms:.0f} ms | "
                f"{reads.min_ms:.0f} ms |"
            )
            goal = "at most 2x" if measures <= 2500 else "under 2.5x"
            ratio = service.median_ms / bare.median_ms
            print(f"| ratio (median; issue 16's goal: {goal}) | {ratio:.2f}x | | |")
            print(
                "\nThe service's steps one after another (it runs the scan on a connection of its own "
                "beside the next four, then the last two):\n"
            )
            print("| step | median | p90 | min |")
            print("|---|---:|---:|---:|")
            for step, timing in result["parts"].items():
                figures = (timing.median_ms, timing.p90_ms, timing.min_ms)
                print(f"| {step} | " + " | ".join(f"{ms:.1f} ms" for ms in figures) + " |")
            review_result = review_benchmark(big_url, calendar, "2026-Q3", runs)
            room, service, page = review_result["room"], review_result["service"], review_result["page"]
            print(
                f"\nReview room landing page for 2026-Q3 against 2026-Q2 ({len(room.changes):,} changes, "
                f"{room.late_count:,} late measures, {len(room.matrix)} departments x "
                f"{len(room.priorities)} priorities, 8 quarters of index), as mayors_office, "
                f"{runs} warm runs; the goal is under 300 ms of server time.\n"
            )
            print("| what | median | p90 | min |")
            print("|---|---:|---:|---:|")
            print(
                f"| review room service | {service.median_ms:.0f} ms | {service.p90_ms:.0f} ms | "
                f"{service.min_ms:.0f} ms |"
            )
            print(
                f"| `/review-room` page callback, server time (gunicorn) | {page.median_ms:.0f} ms | "
                f"{page.p90_ms:.0f} ms | {page.min_ms:.0f} ms |"
            )
            memoised, memo_page = review_result["memoised"], review_result["memo_page"]
            print(
                f"| review room service, kept by data version (RoomMemo) | {memoised.median_ms:.0f} ms | "
                f"{memoised.p90_ms:.0f} ms | {memoised.min_ms:.0f} ms |"
            )
            print(
                f"| `/review-room` page, kept by data version (AIM_REVIEW_MEMO) | "
                f"{memo_page.median_ms:.0f} ms | {memo_page.p90_ms:.0f} ms | {memo_page.min_ms:.0f} ms |"
            )
            bench = workbench_benchmark(big_url, calendar, "2025", runs, page=True)
            timing = bench["timing"]
            print(
                f"\nAnalyst workbench for fiscal 2025 beside 2024: {bench['rows']:,} measures (internal "
                f"included), {bench['outputs']:,} with a cost per unit, {bench['points']:,} scatter points, "
                f"{runs} warm runs; the budget is 500 ms.\n"
            )
            print("| service | median | p90 | min |")
            print("|---|---:|---:|---:|")
            print(
                f"| workbench (two scorecards, budgets, pandas, cost per unit) + grouping | "
                f"{timing.median_ms:.0f} ms | {timing.p90_ms:.0f} ms | {timing.min_ms:.0f} ms |"
            )
            page = bench["page"]
            print(
                f"| `/analysis` page callback, server time (gunicorn) | {page.median_ms:.0f} ms | "
                f"{page.p90_ms:.0f} ms | {page.min_ms:.0f} ms |"
            )
            workflow_benchmark(big_url, calendar, runs)


# -- the review workflow's pages at the large city -------------------------------------------
WORKFLOW_TODAY = date(2026, 12, 5)  # November 2026 has ended; the synthetic city stops at October


def _workload(url: str, calendar: FiscalCalendar, share: float = 0.1) -> tuple[int, int]:
    """An editor of every department and an analyst; a month's values entered and submitted for
    `share` of the monthly measures, so the queue and My reporting have work in them."""
    from aim.auth import Principal, Role
    from aim.models import Activity, Department, Measure
    from aim.services import figures
    from aim.services import users as accounts
    from aim.workflow_views import FigureInput, FigureRef

    database = Database(url)
    try:
        with database.write() as session:
            codes = list(session.scalars(select(Department.code)))
            editor = accounts.create_user(
                session,
                "bench.editor@city.gov",
                BENCH_PASSWORD,
                "department_editor",
                codes,
                actor=None,
                client_address="bench",
            )
            accounts.create_user(
                session,
                "bench.analyst@city.gov",
                BENCH_PASSWORD,
                "budget_analyst",
                (),
                actor=None,
                client_address="bench",
            )
            # A typical editor reports for one department: the one with the most measures.
            biggest = session.execute(
                select(Department.code)
                .join(Activity, Activity.department_id == Department.id)
                .join(Measure, Measure.activity_id == Activity.id)
                .group_by(Department.code)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
            accounts.create_user(
                session,
                "bench.one@city.gov",
                BENCH_PASSWORD,
                "department_editor",
                (biggest,),
                actor=None,
                client_address="bench",
            )
            ids = frozenset(session.scalars(select(Department.id)))
            monthly = list(session.scalars(select(Measure.code).where(Measure.frequency == "monthly")))
        user = Principal(editor.id, editor.email, Role.DEPARTMENT_EDITOR, ids)
        chosen = monthly[:: max(1, round(1 / share))]
        with database.write() as session:
            refs = []
            for code in chosen:
                figure = figures.save_draft(
                    session,
                    calendar,
                    FigureInput(
                        measure=code, period="2026-11", value="1", explanation="Benchmark.", version=None
                    ),
                    user=user,
                    today=WORKFLOW_TODAY,
                )
                refs.append(FigureRef(measure=code, period="2026-11", version=figure.version))
            figures.submit(session, calendar, refs, user=user, today=WORKFLOW_TODAY)
        return len(codes), len(chosen)
    finally:
        database.dispose()


BENCH_PASSWORD = "violet harbor under quiet stars"


def _sign_in(http, base: str, email: str) -> None:
    import re

    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no sign-in form"
    response = http.post(
        f"{base}/login",
        data={"csrf_token": token.group(1), "email": email, "password": BENCH_PASSWORD, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.status_code


def workflow_benchmark(url: str, calendar: FiscalCalendar, runs: int) -> None:
    """Server time of My reporting (an editor of every department) and the review queue, over HTTP
    against gunicorn, at the large city with a month's values submitted for a tenth of its
    monthly measures."""
    import requests

    departments, submitted = _workload(url, calendar)
    with gunicorn(url, server_timing="true") as base:
        print(
            f"\nReview workflow pages: {submitted:,} values submitted for review; server time from "
            f"Server-Timing (the page's callback, service and layout), {runs} warm runs.\n"
        )
        print("| page | who | server time (median) | p90 | min |")
        print("|---|---|---:|---:|---:|")
        for path, email, who in (
            ("/reporting", "bench.one@city.gov", "editor of the largest department"),
            ("/reporting", "bench.editor@city.gov", f"editor of all {departments} departments (worst case)"),
            ("/review", "bench.analyst@city.gov", "budget analyst"),
        ):
            with requests.Session() as http:
                _sign_in(http, base, email)
                _method, target, body = _page_requests(base, path)[-1]
                times = []
                for i in range(runs + 3):
                    response = http.post(target, json=body, timeout=60)
                    assert response.status_code == 200, (path, response.status_code)
                    if i >= 3:
                        times.append(_server_ms(response))
                timing = Timing.of_samples(times)
                print(
                    f"| `{path}` | {who} | {timing.median_ms:.0f} ms | {timing.p90_ms:.0f} ms "
                    f"| {timing.min_ms:.0f} ms |"
                )


# -- pages: server work per page, measured over HTTP against gunicorn --------------------------
PAGES = [
    "/",
    "/priorities/safe-neighborhoods",
    "/measures/violent-crimes",
    "/departments",
    "/departments/DPW",
    "/measures",
    "/methodology",
]
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."


def _server_ms(response) -> float:
    header = response.headers.get("Server-Timing", "")
    return float(header.split("dur=")[1]) if "dur=" in header else float("nan")


def _page_requests(base: str, path: str) -> list[tuple[str, str, dict | None]]:
    """What a browser asks the server for when it opens `path` (static files aside)."""
    pathname, _, search = path.partition("?")
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": f"?{search}" if search else ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    return [
        ("GET", base + path, None),
        ("GET", base + "/_dash-layout", None),
        ("GET", base + "/_dash-dependencies", None),
        ("POST", base + "/_dash-update-component", body),
    ]


def wait_until_answering(url: str, *, what: str, deadline: float = 60.0, process=None) -> None:
    """Return once `url` answers at all (any status); raise, naming `what`, after `deadline` seconds.

    A server that is still booting on a busy machine refuses the connection, resets it, or accepts it
    and answers late: every transport error means "not yet", so each is retried until the deadline.
    If `process` (a Popen) exits meanwhile, say so at once rather than waiting out the deadline.
    """
    import requests

    started = time.monotonic()
    last: Exception | None = None
    while time.monotonic() - started < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} before answering {url}")
        try:
            requests.get(url, timeout=max(1.0, min(10.0, deadline - (time.monotonic() - started))))
            return
        except (requests.RequestException, OSError) as exc:
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {deadline:.0f} s; last error: {last}")


@contextmanager
def gunicorn(
    url: str,
    *,
    workers: int = 1,
    target: str = "app:server",
    cwd: Path | None = None,
    started: list | None = None,
    **settings: str,
) -> Iterator[str]:
    """The app under gunicorn on a free port of 127.0.0.1, for `url`; yields its base URL.

    Other settings come as AIM_* variables (https="true" sets AIM_HTTPS). Used by make bench and
    by the tests that need a real server process (two workers, HTTPS settings). `target` and
    `cwd` serve another WSGI app instead (the blank Dash page of the Lighthouse floor). `started`,
    when given, receives the master's Popen (to find its workers, or stop it early).
    """
    import socket
    import subprocess
    import sys

    from aim.config import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIM_")}
    env.update(AIM_DATABASE_URL=url, AIM_SECRET_KEY="bench" * 13, AIM_ENV="production")
    env.update({f"AIM_{k.upper()}": v for k, v in settings.items()})
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            target,
        ],
        cwd=cwd or ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # kept so that a server that never answers can say why
    )
    if started is not None:
        started.append(server)
    base = f"http://127.0.0.1:{port}"
    what = f"gunicorn ({workers} worker(s), {make_url(url).render_as_string(hide_password=True)})"
    try:
        try:
            wait_until_answering(f"{base}{'/api/v1' if cwd is None else '/'}", what=what, process=server)
        except RuntimeError as exc:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-20:]
            raise RuntimeError("\n".join([str(exc), "Its log ends:", *tail])) from None
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)  # a graceful stop can be slow on a busy machine
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _time_pages(base: str, runs: int) -> dict[str, tuple[Timing, float, float, int, int]]:
    """Each page of PAGES opened `runs` times (after 3 unrecorded): the server's work for its four
    requests (Server-Timing), the callback's share and the wall time (medians), and the callback
    answer's components and bytes (uncompressed)."""
    import requests

    found = {}
    with requests.Session() as http:
        for path in PAGES:
            calls = _page_requests(base, path)
            totals, callbacks, walls = [], [], []
            answer = b""
            for i in range(runs + 3):
                started, server_ms = time.perf_counter(), []
                for method, target, body in calls:
                    response = http.request(method, target, json=body, timeout=30)
                    assert response.status_code == 200, (target, response.status_code)
                    server_ms.append(_server_ms(response))
                answer = response.content
                if i >= 3:  # warm-up runs are not counted
                    totals.append(sum(server_ms))
                    callbacks.append(server_ms[-1])
                    walls.append((time.perf_counter() - started) * 1000)
            total = Timing.of_samples(totals)
            components = answer.count(b'"namespace"')
            callback, wall = statistics.median(callbacks), statistics.median(walls)
            found[path] = (total, callback, wall, components, len(answer))
    return found


def pages_benchmark(runs: int, lighthouse: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="aim-bench-pages-") as scratch_name:
        url = fresh_database(None, Path(scratch_name))
        database = Database(url)
        assert run_import(database, FiscalCalendar(1), DEMO_CITY).ok
        database.dispose()
        # Built afresh for every request (the public cache off: the layout work itself), then as
        # the public gets them (kept by data version, web/public_cache.py).
        with gunicorn(url, server_timing="true", public_cache="false") as base:
            afresh = _time_pages(base, runs)
        with gunicorn(url, server_timing="true") as base:
            kept = _time_pages(base, runs)
            print(
                f"\n## Pages (demo city, gunicorn, 1 worker; server time from Server-Timing, "
                f"{runs} warm runs; built afresh with AIM_PUBLIC_CACHE off, and kept)\n"
            )
            print(
                "| page | built afresh: server work (median) | p90 | of which the page's callback "
                "| components | answer | wall time, 4 requests | kept: server work | wall time |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for path in PAGES:
                total, callback, wall, components, size = afresh[path]
                kept_total, _, kept_wall, _, _ = kept[path]
                print(
                    f"| `{path}` | {total.median_ms:.0f} ms | {total.p90_ms:.0f} ms | {callback:.0f} ms "
                    f"| {components:,} | {size / 1000:.0f} kB | {wall:.0f} ms "
                    f"| {kept_total.median_ms:.0f} ms | {kept_wall:.0f} ms |"
                )
            if lighthouse:
                with _blank_dash(Path(scratch_name)) as blank:
                    _lighthouse(base, blank)


LIGHTHOUSE = "lighthouse@12.8.2"
LIGHTHOUSE_RUNS = 2
# The floor: a Dash page with one heading, served like ours (locally, compressed, gunicorn). What
# Lighthouse gives it is what Dash's own JavaScript costs before a page adds anything. A source
# string, written to a scratch folder, because the domain package does not import Dash.
BLANK_DASH = """
import dash

app = dash.Dash(__name__, serve_locally=True, compress=True, title="Blank")
app.layout = dash.html.Div(dash.html.H1("A blank Dash page"))
server = app.server
"""


@contextmanager
def _blank_dash(scratch: Path) -> Iterator[str]:
    folder = scratch / "blank-dash"
    folder.mkdir()
    (folder / "blank_dash.py").write_text(BLANK_DASH, encoding="utf-8")
    with gunicorn("sqlite://", target="blank_dash:server", cwd=folder) as base:
        yield base


def _lighthouse(base: str, blank: str) -> None:
    import json as json_module
    import shutil
    import subprocess

    chromium = shutil.which("chromium")
    if not shutil.which("npx") or not chromium:
        print("\nLighthouse skipped: needs npx and Debian's chromium.")
        return
    print(f"\n## Lighthouse ({LIGHTHOUSE}, Debian Chromium, headless, {LIGHTHOUSE_RUNS} runs each)\n")
    print("| page | preset | performance | accessibility | best practices | FCP | LCP | TBT | CLS |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    flags = (
        "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
        "--disable-component-update --disable-sync --no-first-run"
    )
    env = dict(os.environ, CHROME_PATH=chromium)
    pages = [
        ("`/`", base + "/"),
        ("`/measures/violent-crimes`", base + "/measures/violent-crimes"),
        ("blank Dash page (the floor)", blank + "/"),
    ]
    for name, address in pages:
        for preset, _run in itertools.product(("mobile", "desktop"), range(LIGHTHOUSE_RUNS)):
            command = [
                "npx",
                "--yes",
                LIGHTHOUSE,
                address,
                "--output=json",
                "--quiet",
                f"--chrome-flags={flags}",
                "--only-categories=performance,accessibility,best-practices",
            ]
            if preset == "desktop":
                command.append("--preset=desktop")
            result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
            if result.returncode != 0:
                print(f"| {name} | {preset} | failed: {result.stderr.strip()[-120:]} | | | | | | |")
                continue
            report = json_module.loads(result.stdout)
            scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
            audits = report["audits"]
            print(
                f"| {name} | {preset} | {scores['performance']} | {scores['accessibility']} | "
                f"{scores['best-practices']} | {audits['first-contentful-paint']['displayValue']} | "
                f"{audits['largest-contentful-paint']['displayValue']} | "
                f"{audits['total-blocking-time']['displayValue']} | "
                f"{audits['cumulative-layout-shift']['displayValue']} |"
            )


# -- imports at scale: time and peak memory, each in a child process ---------------------------
_IMPORT_CHILD = """
import json, resource, sys, time
from aim.db import Database
from aim.importing import run_import
from aim.periods import FiscalCalendar
database = Database(sys.argv[1])
started = time.perf_counter()
report = run_import(database, FiscalCalendar(1), sys.argv[2])
seconds = time.perf_counter() - started
database.dispose()
usage = resource.getrusage(resource.RUSAGE_SELF)  # ru_maxrss: kilobytes on Linux
print(json.dumps({"ok": report.ok, "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
                  "cpu": usage.ru_utime + usage.ru_stime,
                  "problems": [p.message for p in report.problems[:3]]}))
"""


def _import_in_child(url: str, folder: Path) -> dict:
    """Import `folder` in a fresh Python process; its time and its peak resident memory (the
    child's own getrusage, so nothing this process holds is counted)."""
    import json
    import subprocess
    import sys

    from aim.config import ROOT

    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHILD, url, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"], result["problems"]
    return result


def import_scale_benchmark(label: str, url: str | None, sizes: list[int], years: int) -> None:
    """`seed synthetic`'s import at growing sizes, each into a fresh database: the time should grow
    in proportion to the rows and the peak memory should not grow much at all (goal: under 500 MB
    at 10,000 measures x 20 years)."""
    with tempfile.TemporaryDirectory(prefix="aim-bench-scale-") as scratch_name:
        scratch = Path(scratch_name)
        print(
            f"\n## Imports at scale ({label}): synthetic city, {years} years of monthly values, into an "
            "empty database, in a child process (peak RSS from its getrusage)\n"
        )
        # CPU seconds of the importing process beside the wall time: on a busy machine they show
        # the growth with rows better (the database server's own work is not in them).
        print(
            "| measures | rows in file | import | per 100,000 rows | its CPU | CPU per 100,000 rows |"
            " peak RSS |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for measures in sizes:
            folder = scratch / f"city-{measures}"
            counts = write_city(folder, measures, years, seed=7, through=date(2026, 11, 1))
            result = _import_in_child(fresh_database(url, scratch), folder)
            rows = sum(counts.values())
            seconds, cpu = result["seconds"], result["cpu"]
            print(
                f"| {measures:,} | {rows:,} | {seconds:.1f} s | {seconds / rows * 100_000:.2f} s | "
                f"{cpu:.1f} s | {cpu / rows * 100_000:.2f} s | {result['peak_mb']:.0f} MB |"
            )
            shutil.rmtree(folder)


# -- sign-ins: many at once, on two workers ----------------------------------------------------
def _former_hash(password: str) -> str:
    """A hash with argon2-cffi's defaults (RFC 9106 low memory: t=3, m=64 MiB, p=4), the parameters
    of every account created before the OWASP ones (aim/passwords.py)."""
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(password)


def _sign_in_accounts(url: str, count: int) -> list[str]:
    """`count` editors whose stored hashes have the former parameters, as after an upgrade."""
    from aim.auth import Role
    from aim.models import User
    from aim.services import users as accounts

    emails = [f"bench.signin{n:03d}@city.gov" for n in range(count)]
    former = _former_hash(BENCH_PASSWORD)  # one hash for all: the cost measured is verifying
    database = Database(url)
    try:
        with database.write() as session:
            for email in emails:
                accounts.create_user(
                    session, email, BENCH_PASSWORD, Role.MAYORS_OFFICE, actor=None, client_address="bench"
                )
            session.flush()
            for user in session.scalars(select(User).where(User.email.in_(emails))):
                user.password_hash = former
    finally:
        database.dispose()
    return emails


def _simultaneous_sign_ins(base: str, emails: list[str]) -> list[float]:
    """Every account opens the sign-in form, then all post it at the same moment; the seconds each
    post took to be answered (a redirect: signed in)."""
    import re
    import threading

    import requests

    ready = threading.Barrier(len(emails))
    times: list[float] = []
    failures: list[str] = []

    def one(email: str) -> None:
        with requests.Session() as http:
            page = http.get(f"{base}/login", timeout=60).text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            form = {"csrf_token": token.group(1) if token else "", "email": email}
            form.update(password=BENCH_PASSWORD, next="")
            ready.wait()
            started = time.perf_counter()
            response = http.post(f"{base}/login", data=form, allow_redirects=False, timeout=120)
            times.append(time.perf_counter() - started)
            if response.status_code != 303:
                failures.append(f"{email}: {response.status_code}")

    threads = [threading.Thread(target=one, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    return sorted(times)


def sign_in_benchmark(url: str | None, redis_url: str | None, people: int = 50, workers: int = 2) -> None:
    """`people` sign-ins at once on `workers` gunicorn workers (Redis for the shared limits): first
    against hashes of the former parameters (verified, then upgraded), then, the same people
    again, against the OWASP parameters the first round left behind. Goal: p95 under 1.5 s."""
    if not redis_url:
        print("\n## Sign-ins\n\nSkipped: two workers need Redis; give --redis-url (AIM_BENCH_REDIS_URL).")
        return
    with tempfile.TemporaryDirectory(prefix="aim-bench-signin-") as scratch_name:
        url = fresh_database(url, Path(scratch_name))
        emails = _sign_in_accounts(url, people)
        # One address signs everyone in here: the per-address limit would stop the crowd at 30.
        limit = f"{people * 10} per minute"
        with gunicorn(url, workers=workers, redis_url=redis_url, login_limit_per_address=limit) as base:
            former = _simultaneous_sign_ins(base, emails)
            owasp = _simultaneous_sign_ins(base, emails)
    load = os.getloadavg()[0]  # other work on the machine stretches every figure here
    print(
        f"\n## Sign-ins\n\n{people} sign-ins posted at the same moment to gunicorn with {workers} "
        f"workers ({make_url(url).get_backend_name()}, Redis): seconds until each was answered "
        f"(load average {load:.1f} on {os.cpu_count()} CPUs).\n"
    )
    print("| stored hashes | p50 | p95 | slowest |")
    print("|---|---:|---:|---:|")
    for what, times in (
        ("former: argon2-cffi defaults, m=64 MiB t=3 p=4 (verified, then upgraded)", former),
        ("OWASP: m=19 MiB t=2 p=1 (the goal: p95 under 1.5 s)", owasp),
    ):
        p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
        print(f"| {what} | {statistics.median(times):.2f} s | {p95:.2f} s | {times[-1]:.2f} s |")
