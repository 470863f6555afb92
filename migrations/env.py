"""Alembic environment: runs migrations against AIM_DATABASE_URL, or a URL or connection passed in.

render_as_batch lets SQLite alter tables (it rebuilds them), and compare_type makes autogenerate
notice column type changes, so "no difference from the models" means what it says.

On SQLite, migrations run with foreign keys off, as SQLite's own procedure for altering a table
says (https://www.sqlite.org/lang_altertable.html#otheralter): rebuilding a table that others
refer to (users, in revision 0005) would otherwise fire their ON DELETE CASCADE when the old table
is dropped. `PRAGMA foreign_key_check` then proves the result consistent before it is committed.
"""

from __future__ import annotations

from alembic import context

from aim.config import get_settings
from aim.db import make_engine
from aim.models import Base, described_by_models

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and not connection.in_transaction():
        # On the DBAPI connection, outside any transaction: inside one, SQLite ignores the pragma.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        include_name=described_by_models,  # the full-text search index is SQL the models cannot say
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"The migration left rows with broken foreign keys: {broken[:10]}")
    finally:
        if sqlite and not connection.in_transaction():
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


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
