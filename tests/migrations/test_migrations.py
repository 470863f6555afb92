"""Migrations: upgrade an empty database to head, find no difference from the models, and go back
down to base, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from aim import migrate
from aim.db import make_engine
from aim.models import Base, described_by_models


def test_upgrade_to_head_matches_the_models_and_downgrade_to_base_empties(empty_url):
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        opts = {"compare_type": True, "include_name": described_by_models}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diff == []
        assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())
    migrate.upgrade(empty_url)  # running it again changes nothing
    migrate.downgrade(empty_url, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    # ... and back up again: downgrade left nothing behind that blocks a fresh upgrade.
    migrate.upgrade(empty_url)
    engine.dispose()
