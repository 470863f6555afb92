"""Database engine and sessions: one engine per process, SQLite made safe for concurrent writers.

SQLite gets foreign keys, WAL, a busy timeout, and `BEGIN IMMEDIATE` for write transactions so that
two writers queue instead of failing with "database is locked" halfway through.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

T = TypeVar("T")

_WRITE = "aim_write"
#: The session.info flag that CityInfo.advance sets: the commit changed the data version.
DATA_MOVED = "aim_data_moved"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_CHANGES_AT_BEGIN = "aim_changes_at_begin"
_WROTE = "aim_wrote"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        # Whether the transaction has written (reader_beside), which SQLite's driver cannot say
        # itself: any statement but a SELECT since BEGIN counts (an UPDATE ... RETURNING whose rows
        # are still unread has not yet moved the change count, nor does DDL ever), and the change
        # count as at BEGIN catches what went to the driver directly.
        connection.info[_WROTE] = False
        connection.info[_CHANGES_AT_BEGIN] = connection.connection.driver_connection.total_changes

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip()[:6].upper() == "SELECT":
            connection.info[_WROTE] = True


def _in_a_file(url: URL) -> bool:
    """Whether a SQLite URL names a database in a file, which other connections share (an in-memory
    one is a database of each connection's own), as SQLAlchemy's SQLite dialect judges it."""
    return bool(url.database) and url.database != ":memory:" and url.query.get("mode") != "memory"


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`; for a SQLite file, its folder is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """An engine and its session factory. `read()` and `write()` open one session each."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Moves on when this process commits a change of the data version (CityInfo.advance): a
        #: memo of the version (aim.runtime) then reads it again at once, not after its time-to-live.
        self.generation = 0
        event.listen(self._sessions, "after_commit", self._after_commit)
        event.listen(self._sessions, "after_rollback", lambda session: session.info.pop(DATA_MOVED, None))

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(DATA_MOVED, False):
            self.generation += 1

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; anything it changed is rolled back."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one write transaction: committed on success, rolled back on error."""
        with self._sessions() as session:
            # On SQLite this makes the transaction BEGIN IMMEDIATE (see _configure_sqlite).
            session.connection(execution_options={_WRITE: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def session(self) -> Session:
        """A plain session the caller manages (for work spanning several transactions)."""
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def reader_beside(session: Session) -> Engine | None:
    """The engine on which a read may run beside `session`, on a connection of its own, and see what
    the session's next statement would see, or newer: a transaction that has written nothing
    (another connection would miss its uncommitted changes), when the engine's pool has a connection
    to spare at once. On PostgreSQL at READ COMMITTED, where each statement reads the latest
    committed data anyway; on a SQLite file, where the other connection's read begins at the latest
    commit, perhaps after the session's (as a statement of PostgreSQL's would). None otherwise (an
    in-memory SQLite, whose other connections are other databases, never): the read stays on the
    session."""
    connection = session.connection()
    engine = connection.engine
    pool = engine.pool
    if isinstance(pool, QueuePool) and not (pool.checkedin() or pool.checkedout() < pool.size()):
        # No connection to spare without waiting: sessions waiting here on reads that wait for a
        # connection they hold would stand still until the pool's timeout (many threads, `make dev`).
        return None
    if connection.dialect.name == "sqlite":
        # A pool of shared connections (SQLAlchemy's QueuePool, which lets another thread use them)
        # on a database in a file, and a transaction that has written nothing (see _on_begin).
        if not isinstance(pool, QueuePool) or not _in_a_file(engine.url) or connection.info.get(_WROTE, True):
            return None
        driver = connection.connection.driver_connection
        unchanged = driver is not None and driver.total_changes == connection.info.get(_CHANGES_AT_BEGIN)
        return engine if unchanged else None
    if connection.dialect.name != "postgresql":
        return None
    alone = connection.exec_driver_sql(
        "SELECT pg_current_xact_id_if_assigned() IS NULL"
        " AND current_setting('transaction_isolation') = 'read committed'"
    ).scalar()
    return engine if alone else None


_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_made = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    """This process's threads for reads beside a session, made in the process that uses them: a
    pool inherited through a fork (gunicorn's workers) has no threads that run."""
    global _executor
    with _executor_made:
        if _executor is None or _executor[0] != os.getpid():
            _executor = (os.getpid(), ThreadPoolExecutor(max_workers=4, thread_name_prefix="aim-beside"))
        return _executor[1]


def read_beside(session: Session, work: Callable[..., T], *args: Any) -> Future[T] | None:
    """Start `work(connection, *args)` on a thread of this process, on a connection of its own, while
    the caller goes on: the database works on that read meanwhile, on another core or, in
    production, another machine. None where the read must stay on the session (reader_beside).

    The thread takes the connection from the pool when it starts (reader_beside has seen one to
    spare; taking it here instead, in the caller, costs the caller's reads a round trip) and gives
    it back when the work ends; a future cancelled before it started (a caller that failed before
    it needed the result) takes none."""
    engine = reader_beside(session)
    if engine is None:
        return None

    def run() -> T:
        with engine.connect() as connection:
            return work(connection, *args)

    return _threads().submit(run)
