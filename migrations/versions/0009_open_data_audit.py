"""The audit log records the data coordinator's work too: inventory edits and imports, and the
moderation and answers of the public's data requests (four new events in its CHECK constraint).

PostgreSQL changes the constraint in place. SQLite cannot alter a CHECK constraint, so the table
is rebuilt by hand (not in batch mode: that would not carry the append-only triggers over), and
its indexes and triggers are created again. Only audit_log is rebuilt, never `measures` (whose
search triggers 0008_measure_search owns).

Revision ID: 0009_open_data_audit
Revises: 0008_measure_search
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009_open_data_audit"
down_revision = "0008_measure_search"
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
OLD = (
    "login",
    "login_failed",
    "logout",
    "denied",
    "user_created",
    "user_disabled",
    "role_changed",
    "password_changed",
    "departments_changed",
)
NEW = (*OLD, "inventory_changed", "inventory_imported", "request_moderated", "request_answered")
COLUMNS = "id, at, event, user_id, email, client_address, detail"
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is refused'); END""",
]


def _listed(events: tuple[str, ...]) -> str:
    return ", ".join(f"'{e}'" for e in events)


def _sqlite_rebuild(events: tuple[str, ...]) -> None:
    # DROP TABLE runs no DELETE trigger (SQLite's implicit delete skips triggers) and drops them.
    op.execute(
        f"""CREATE TABLE audit_log_rebuilt (
            id INTEGER NOT NULL,
            at DATETIME NOT NULL,
            event VARCHAR(32) NOT NULL,
            user_id INTEGER,
            email VARCHAR(254) NOT NULL,
            client_address VARCHAR(100) NOT NULL,
            detail TEXT NOT NULL,
            CONSTRAINT pk_audit_log PRIMARY KEY (id),
            CONSTRAINT ck_audit_log_event_allowed CHECK (event IN ({_listed(events)})),
            CONSTRAINT fk_audit_log_user_id_users FOREIGN KEY(user_id) REFERENCES users (id)
        )"""
    )
    op.execute(
        f"INSERT INTO audit_log_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM audit_log "
        f"WHERE event IN ({_listed(events)})"
    )
    op.execute("DROP TABLE audit_log")
    op.execute("ALTER TABLE audit_log_rebuilt RENAME TO audit_log")
    op.execute("CREATE INDEX ix_audit_log_at ON audit_log (at)")
    op.execute("CREATE INDEX ix_audit_log_user_id ON audit_log (user_id)")
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def _postgresql(events: tuple[str, ...]) -> None:
    op.execute("ALTER TABLE audit_log DROP CONSTRAINT ck_audit_log_event_allowed")
    op.execute(
        "ALTER TABLE audit_log ADD CONSTRAINT ck_audit_log_event_allowed "
        f"CHECK (event IN ({_listed(events)}))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(NEW)
    else:
        _postgresql(NEW)


def downgrade() -> None:
    # Going back drops the events the older schema cannot hold (the log is append-only otherwise).
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(OLD)
        return
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    op.execute(f"DELETE FROM audit_log WHERE event NOT IN ({_listed(OLD)})")
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    _postgresql(OLD)
