"""Shared fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL comes from AIM_TEST_DATABASE_URL (the Makefile points it at the local server). Each
pytest-xdist worker gets its own database, named after it (aim_test_gw0, ...), which the tests
create and migrate themselves. Without a reachable server the PostgreSQL tests skip, except under
CI (CI=true), where they fail: CI must prove both databases.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL tests must run under CI but cannot: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The URL of this worker's own, freshly migrated PostgreSQL database."""
    base = os.environ.get(PG_ENV)
    if not base:
        _unavailable(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/aim_test)")
    url = make_url(base).set(drivername="postgresql+psycopg")
    worker_url = url.set(database=f"{url.database}_{_worker()}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{worker_url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{worker_url.database}"'))
    except OperationalError as exc:
        _unavailable(f"cannot reach {url.render_as_string(hide_password=True)}: {exc.orig}")
    finally:
        admin.dispose()
    rendered = worker_url.render_as_string(hide_password=False)
    migrate.upgrade(rendered)
    return rendered


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "aim.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _truncate_all(db: Database) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        # Triggers refuse TRUNCATE of append-only tables; a superuser test run may bypass them.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path) -> str:
    if backend == "sqlite":
        target = tmp_path / "aim.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def database(db_url, backend) -> Iterator[Database]:
    """A fresh database with the schema at head and no rows, on each backend in turn."""
    db = Database(db_url)
    if backend == "postgresql":
        _truncate_all(db)
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

    return create_app(Settings(database_url=f"sqlite:///{sqlite_template}", secret_key="test" * 16))


@pytest.fixture(scope="session")
def live_server(dash_app) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread of this process."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def site(live_server, dash_app, database) -> str:
    """The live server's URL, serving this test's database."""
    from api.accounts import limiter
    from web.context import EXTENSION

    runtime = dash_app.server.extensions[EXTENSION]
    previous = runtime.database
    runtime.database = database
    limiter.reset()  # sign-in counts from another test must not spill into this one
    yield live_server
    runtime.database = previous
