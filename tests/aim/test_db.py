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


def test_reads_beside_a_session_give_their_connection_back_whatever_becomes_of_them(database):
    """aim.db.read_beside: the work's result or error reaches the
    caller, its connection goes back to the pool when the work ends or fails, and a work cancelled
    before it started (all the threads busy) never takes one."""
    import pytest

    from aim.db import read_beside

    def one(connection, n):
        return connection.exec_driver_sql(f"SELECT {n} + 1").scalar()

    def fail(connection):
        raise ValueError("no such period")

    roomy = Database(database.url, pool_size=8)
    try:
        pool = roomy.engine.pool
        with roomy.read() as s:
            s.execute(text("SELECT 1"))
            assert read_beside(s, one, 1).result(timeout=60) == 2
            failed = read_beside(s, fail)
            with pytest.raises(ValueError, match="no such period"):
                failed.result(timeout=60)
            # Four works hold every thread; a fifth waits its turn and is cancelled before it starts.
            release = threading.Event()
            busy = [read_beside(s, lambda connection: release.wait(60)) for _ in range(4)]
            queued = read_beside(s, one, 5)
            for _ in range(600):  # each busy work takes its connection when its thread starts it
                if pool.checkedout() == 5:
                    break
                release.wait(0.1)
            assert pool.checkedout() == 5  # the session's and the four busy ones': none for the queued
            assert queued.cancel()
            assert pool.checkedout() == 5
            release.set()
            assert all(b.result(timeout=60) for b in busy)
            assert pool.checkedout() == 1  # only the session's
    finally:
        roomy.dispose()
