"""Sixteen people saving figures at once for ten seconds on SQLite: nobody sees "database is locked",
every save either succeeds or is refused as stale (someone else saved first), and the revisions
equal the successful saves."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from aim.auth import Principal, Role
from aim.db import Database
from aim.models import ActualRevision
from aim.periods import FiscalCalendar
from aim.services import figures
from aim.services.figures import StaleFigure
from aim.workflow_views import FigureInput
from tests import builders as b

WRITERS = 16
SECONDS = 10
SHARED = 4  # figures every writer competes for, so that stale versions happen too


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    import shutil

    target = tmp_path / "aim.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def test_sixteen_writers_for_ten_seconds_no_locked_error_and_revisions_equal_successful_writes(sqlite_url):
    setup = Database(sqlite_url)
    with setup.write() as s:
        dept = b.department(s, "MPD", "Police")
        act = b.activity(s, dept, "MPD-PATROL", [b.priority(s)])
        b.measure(s, act, "calls", frequency="monthly")
        s.flush()
        user = Principal(
            user_id=1, email="ed@city.gov", role=Role.DEPARTMENT_EDITOR, department_ids={dept.id}
        )
    setup.dispose()
    calendar = FiscalCalendar(1)
    deadline = time.monotonic() + SECONDS
    saved, stale, errors = [0] * WRITERS, [0] * WRITERS, []

    def writer(n: int) -> None:
        db = Database(sqlite_url)  # like a separate worker process: its own engine
        versions: dict[str, int | None] = {}
        try:
            while time.monotonic() < deadline:
                # Alternate between a figure of one's own and one every writer competes for.
                period = f"2025-{(n % 12) + 1:02d}" if saved[n] % 2 else f"2024-{(n % SHARED) + 1:02d}"
                try:
                    with db.write() as s:
                        figure = figures.save_draft(
                            s,
                            calendar,
                            FigureInput(
                                measure="calls",
                                period=period,
                                value=str(n * 1_000_000 + saved[n]),
                                version=versions.get(period),
                            ),
                            user=user,
                            today=date(2026, 6, 1),
                        )
                    versions[period] = figure.version
                    saved[n] += 1
                except StaleFigure as exc:
                    versions[period] = exc.current.version
                    stale[n] += 1
        except Exception as exc:  # noqa: BLE001 - any other error is what the test is about
            errors.append(repr(exc))
        finally:
            db.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(saved) > WRITERS  # everyone got through, several times
    check = Database(sqlite_url)
    with check.read() as s:
        # A save that changed nothing writes no revision: every value written here is new.
        assert s.scalar(select(func.count()).select_from(ActualRevision)) == sum(saved)
    check.dispose()
