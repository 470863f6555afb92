"""The SQLite engine is configured for concurrent use: foreign keys, WAL, busy timeout, and write
transactions that take the lock up front (BEGIN IMMEDIATE) so writers queue instead of failing."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from aim.db import Database
from aim.models import Priority


def test_sqlite_connections_enable_foreign_keys_wal_and_a_busy_timeout(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as s:
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    db.dispose()


def test_sqlite_file_folder_is_created(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'x.db'}")
    with db.read() as s:
        s.execute(text("SELECT 1"))
    assert (tmp_path / "nested" / "deeper" / "x.db").exists()
    db.dispose()


def test_write_sessions_roll_back_on_error(database):
    try:
        with database.write() as s:
            s.add(Priority(slug="a", title="A", description="", sort_order=1))
            s.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Priority)) == 0


def test_concurrent_read_modify_write_transactions_queue_without_lock_errors(database):
    """Eight threads each read a counter and write it back + 1, twenty times. BEGIN IMMEDIATE on
    SQLite (and row locks on PostgreSQL) serialise them: no "database is locked", no lost update."""
    with database.write() as s:
        s.add(Priority(slug="counter", title="Counter", description="", sort_order=0))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                with database.write() as s:
                    p = s.scalars(select(Priority).where(Priority.slug == "counter").with_for_update()).one()
                    p.sort_order += 1
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.read() as s:
        assert s.scalars(select(Priority.sort_order)).one() == 160
