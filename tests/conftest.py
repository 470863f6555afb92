"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL comes from AIM_TEST_DATABASE_URL (the Makefile points it at the local server). Each
pytest-xdist worker gets its own databases, named after it (aim_test_gw0, ...), which the tests
create and migrate themselves. Without a reachable server the PostgreSQL tests skip, except under
CI (CI=true), where they fail: CI must prove both databases.

A test marked `leak_city` starts from a copy of the leak city (tests/cities.py), imported once per
worker and backend into a template (a SQLite file; a PostgreSQL template database), not per test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from aim import migrate
from aim.db import Database
from aim.models import Base
from aim.periods import FiscalCalendar

# Fixtures shared across the tree (fast_hashing for password tests).
pytest_plugins = ["tests.accounts"]

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ENV = "AIM_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def require(path: Path, why: str) -> Path:
    """A file a test needs from outside the repository (../shared, node_modules): skip with a
    message where it is absent, but fail under CI, where it must be there."""
    if not path.exists():
        message = f"{path} is absent: {why}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def shared_redis_url() -> str:
    """A Redis the test may use (AIM_TEST_REDIS_URL); skip without one, except under CI."""
    import redis

    url = os.environ.get("AIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail("Redis must run under CI: two workers need a shared store")
        pytest.skip("Redis is not running")
    return url


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL tests must run under CI but cannot: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "leak_city: the test's database starts as a copy of the leak city (tests/cities.py)"
    )


#: The files that take longest, longest first (measured with --durations; see docs/benchmarks.md).
#: `make test` hands whole files to two workers in collection order (--dist loadfile
#: --no-loadscope-reorder): started first, the long browser and gunicorn files run beside the many
#: short ones, instead of one of them landing last on a worker while the other sits idle.
SLOWEST_FILES = (
    "tests/browser/test_accessibility.py",
    "tests/api/test_accounts.py",
    "tests/test_two_servers.py",
    "tests/browser/test_xss_and_csp.py",
    "tests/browser/test_follow_ups.py",
    "tests/data/test_baltimore_recipe.py",
    "tests/browser/test_pages.py",
    "tests/test_app.py",
    "tests/browser/test_home.py",
    "tests/api/test_opendata_files.py",
    "tests/api/test_fuzz.py",
)


def pytest_collection_modifyitems(items) -> None:
    """Put SLOWEST_FILES first, in that order; every other file keeps its place after them, and
    every file's tests keep their order (a stable sort on the file alone)."""
    rank = {path: place for place, path in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def _recreate_pg(url, name: str, template: str | None = None) -> str:
    """Drop and create database `name` on url's server (a copy of `template` if given); its URL."""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            # A commit need not wait for the disk: the tests check what a commit does, not that it
            # survives a power cut, and each waited commit cost milliseconds to seconds on a busy disk.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_base():
    """This worker's PostgreSQL URL; its database name is the prefix of the worker's databases."""
    base = os.environ.get(PG_ENV)
    if not base:
        _unavailable(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/aim_test)")
    url = make_url(base).set(drivername="postgresql+psycopg")
    return url.set(database=f"{url.database}_{_worker()}")


@pytest.fixture(scope="session")
def pg_template(pg_base) -> str:
    """The name of a migrated, empty PostgreSQL template database, built once per worker."""
    name = f"{pg_base.database}_template"
    try:
        url = _recreate_pg(pg_base, name)
    except OperationalError as exc:
        _unavailable(f"cannot reach {pg_base.render_as_string(hide_password=True)}: {exc.orig}")
    migrate.upgrade(url)
    return name


@pytest.fixture(scope="session")
def pg_url(pg_base, pg_template) -> str:
    """The URL of this worker's own, freshly migrated PostgreSQL database."""
    return _recreate_pg(pg_base, pg_base.database, pg_template)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "aim.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _load_leak_city(url: str) -> None:
    from tests.cities import load_leak_city

    db = Database(url)
    try:
        load_leak_city(db)
        if db.dialect == "sqlite":  # fold the write-ahead log into the file, which is what gets copied
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def sqlite_leak_template(sqlite_template, tmp_path_factory) -> Path:
    """The leak city in a SQLite file, imported once per worker; tests get copies."""
    path = tmp_path_factory.mktemp("leak-template") / "aim.db"
    shutil.copyfile(sqlite_template, path)
    _load_leak_city(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_leak_template(pg_base, pg_template) -> str:
    """The name of a PostgreSQL template database holding the leak city, built once per worker.
    CREATE DATABASE ... TEMPLATE copies it in about a tenth of a second; importing takes seconds."""
    name = f"{pg_base.database}_leak_template"
    _load_leak_city(_recreate_pg(pg_base, name, pg_template))
    return name


def _fresh_copy(backend: str, request, folder: Path, name: str, *, leak: bool) -> str:
    """A new database at head, empty or holding the leak city: a SQLite file in `folder`, or the
    PostgreSQL database `<worker's>_<name>` (recreated)."""
    if backend == "sqlite":
        target = folder / "aim.db"
        shutil.copyfile(
            request.getfixturevalue("sqlite_leak_template" if leak else "sqlite_template"), target
        )
        return f"sqlite:///{target}"
    pg_base = request.getfixturevalue("pg_base")
    template = request.getfixturevalue("pg_leak_template" if leak else "pg_template")
    return _recreate_pg(pg_base, f"{pg_base.database}_{name}", template)


def _empty_all(db: Database) -> None:
    """Empty every table and restart every id sequence, as TRUNCATE ... RESTART IDENTITY would.

    DELETE, because on tables of a few rows it takes about a tenth of the time: TRUNCATE gives each
    table new files, which costs 0.3-1.4 s per test on a busy machine."""
    with db.engine.begin() as conn:
        # Triggers refuse to empty append-only tables; a superuser test run may bypass them, and with
        # them the foreign keys, so the order of the tables does not matter.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.exec_driver_sql(
            "; ".join(f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables))
        )
        conn.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
        )


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    """Module-scoped so that a module's fixtures can share one database per backend (the tests
    of a module run grouped by backend)."""
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path) -> str:
    if request.node.get_closest_marker("leak_city"):
        return _fresh_copy(backend, request, tmp_path, "leak", leak=True)
    if backend == "sqlite":
        target = tmp_path / "aim.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def database(db_url, backend, request) -> Iterator[Database]:
    """A fresh database with the schema at head on each backend in turn: empty, or the leak city
    for a test marked `leak_city`."""
    db = Database(db_url)
    if backend == "postgresql" and not request.node.get_closest_marker("leak_city"):
        _empty_all(db)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def shared_database(backend, request, tmp_path_factory) -> Iterator[Database]:
    """One empty database at head for all of a module's tests on a backend, for a module that
    loads something once and then only reads it."""
    db = Database(_fresh_copy(backend, request, tmp_path_factory.mktemp("shared"), "shared", leak=False))
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def shared_leak_city(backend, request, tmp_path_factory) -> Iterator[Database]:
    """One copy of the leak city for all of a module's tests on a backend: for tests that only read
    (and so may share signed-in sessions, which are set up once)."""
    db = Database(_fresh_copy(backend, request, tmp_path_factory.mktemp("shared"), "shared", leak=True))
    yield db
    db.dispose()


@pytest.fixture
def calendar() -> FiscalCalendar:
    return FiscalCalendar(1)


# -- the web app, served over real HTTP --------------------------------------------------------
@pytest.fixture(scope="session")
def dash_app(sqlite_template):
    """One Dash app per test process (Dash keeps callbacks in module globals, so one is all a
    process can have); each test points it at its own database through `site`."""
    from aim.config import Settings
    from app import create_app

    # data_version_ttl=0: a test that writes through the command line (another process) sees its
    # change at once; the time-to-live itself is tested in tests/api/test_public_cache.py.
    settings = Settings(
        database_url=f"sqlite:///{sqlite_template}", secret_key="test" * 16, data_version_ttl=0
    )
    return create_app(settings)


@pytest.fixture(scope="session")
def live_server(dash_app) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread of this process."""
    import threading

    from werkzeug.serving import make_server

    from aim.bench import wait_until_answering

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    wait_until_answering(f"{base}/api/v1", what="the test server (werkzeug, in a thread)")
    yield base
    server.shutdown()


@contextmanager
def _serving(dash_app, database: Database) -> Iterator[None]:
    """Point the one live server at `database` for a while; forget sign-in counts of earlier tests."""
    from api.limiting import limiter
    from web.context import EXTENSION
    from web.public_cache import cache_of

    runtime = dash_app.server.extensions[EXTENSION]
    previous = runtime.database
    runtime.database = database
    limiter.reset()  # sign-in counts from another test must not spill into this one
    # Another database may hold other figures under the same data version: its answers are not ours.
    cache_of(dash_app.server).local.clear()
    try:
        yield
    finally:
        runtime.database = previous


@pytest.fixture
def site(live_server, dash_app, database) -> Iterator[str]:
    """The live server's URL, serving this test's database."""
    with _serving(dash_app, database):
        yield live_server


@pytest.fixture(scope="module")
def shared_site(live_server, dash_app, shared_leak_city) -> Iterator[str]:
    """The live server's URL, serving the module's shared leak city."""
    with _serving(dash_app, shared_leak_city):
        yield live_server
