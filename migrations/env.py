"""Alembic environment: runs migrations against AIM_DATABASE_URL, or a URL or connection passed in.

render_as_batch lets SQLite alter tables (it rebuilds them), and compare_type makes autogenerate
notice column type changes, so "no difference from the models" means what it says.
"""

from __future__ import annotations

from alembic import context

from aim.config import get_settings
from aim.db import make_engine
from aim.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # SQLite rebuilds a table to change its constraints (drop, copy, rename). With foreign keys on,
    # dropping a table that others refer to fails, so they are off while migrating (SQLite's own
    # "12 steps" for ALTER TABLE), and checked before the transaction commits. The pragma only
    # takes effect outside a transaction: set it on the raw connection before Alembic begins.
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"The migration left rows that break foreign keys: {problems[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")
run_migrations_online()
