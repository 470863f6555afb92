"""Full-text search over measures' names and definitions, with word forms, in each database's own
engine: an FTS5 table with the Porter stemmer on SQLite (kept in step with `measures` by
triggers, so every import and edit is searchable at once), and an English text-search index on
PostgreSQL (an expression index: computed from the row itself, so it cannot fall out of step).

A later migration that rebuilds `measures` on SQLite (a batch "move and copy") drops the
triggers with the old table: it must create them again and rebuild the index (see upgrade()).

Revision ID: 0008_measure_search
Revises: 0006_activity_outputs
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0008_measure_search"
down_revision = "0006_activity_outputs"
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
SQLITE_UP = [
    "CREATE VIRTUAL TABLE measure_search USING fts5(name, definition, content='measures', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    # The index's vocabulary (one row per stemmed term), for suggestions.
    "CREATE VIRTUAL TABLE measure_search_vocab USING fts5vocab(measure_search, 'row')",
    """CREATE TRIGGER measure_search_insert AFTER INSERT ON measures BEGIN
        INSERT INTO measure_search(rowid, name, definition) VALUES (new.id, new.name, new.definition);
    END""",
    """CREATE TRIGGER measure_search_delete AFTER DELETE ON measures BEGIN
        INSERT INTO measure_search(measure_search, rowid, name, definition)
        VALUES ('delete', old.id, old.name, old.definition);
    END""",
    """CREATE TRIGGER measure_search_update AFTER UPDATE OF name, definition ON measures BEGIN
        INSERT INTO measure_search(measure_search, rowid, name, definition)
        VALUES ('delete', old.id, old.name, old.definition);
        INSERT INTO measure_search(rowid, name, definition) VALUES (new.id, new.name, new.definition);
    END""",
    "INSERT INTO measure_search(measure_search) VALUES ('rebuild')",  # measures already there
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS measure_search_update",
    "DROP TRIGGER IF EXISTS measure_search_delete",
    "DROP TRIGGER IF EXISTS measure_search_insert",
    "DROP TABLE IF EXISTS measure_search_vocab",
    "DROP TABLE IF EXISTS measure_search",
]
# The same expression as aim.services.catalog's query, or PostgreSQL will not use the index.
POSTGRESQL_UP = [
    "CREATE INDEX ix_measures_search ON measures USING gin "
    "(to_tsvector('english'::regconfig, name || ' ' || definition))"
]
POSTGRESQL_DOWN = ["DROP INDEX IF EXISTS ix_measures_search"]


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
