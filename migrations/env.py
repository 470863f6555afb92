"""Alembic environment: runs migrations against AIM_DATABASE_URL, or a URL or connection passed in.

render_as_batch lets SQLite alter tables (it rebuilds them), and compare_type makes autogenerate
notice column type changes, so "no difference from the models" means what it says.
"""

from __future__ import annotations

from alembic import context

from aim.config import get_settings
from aim.db import make_engine
from aim.models import Base, described_by_models

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=described_by_models,  # the full-text search index is SQL the models cannot say
    )
    with context.begin_transaction():
        context.run_migrations()


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
