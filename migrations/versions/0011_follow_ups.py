"""Follow-ups of stat meetings: action items about a measure or a priority, owned by a department,
with a due date, a status and a running log of notes; the audit log accepts their two events.

The audit log's CHECK of event names changes: PostgreSQL alters it in place; SQLite rebuilds the
table, which drops its append-only triggers (revision 0004), so they are created again after it.

Revision ID: 0011_follow_ups
Revises: 0010_priority_narrative
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_follow_ups"
down_revision = "0010_priority_narrative"
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
UTC = sa.DateTime(timezone=True)
OLD_EVENTS = (
    "'login', 'login_failed', 'logout', 'denied', 'user_created', 'user_disabled', "
    "'role_changed', 'password_changed', 'departments_changed', "
    "'inventory_changed', 'inventory_imported', 'request_moderated', 'request_answered', "
    "'narrative_saved', 'narrative_published'"
)
NEW_EVENTS = "'follow_up_created', 'follow_up_changed'"
EVENTS = f"{OLD_EVENTS}, {NEW_EVENTS}"

APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is refused'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is refused'); END""",
    ],
    "postgresql": [
        """CREATE TRIGGER audit_log_append_only
           BEFORE UPDATE OR DELETE ON audit_log
           FOR EACH ROW EXECUTE FUNCTION aim_refuse_change()""",
        """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION aim_refuse_change()""",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    ],
}


def _audit_log(events: str) -> sa.Table:
    """The audit log as revision 0004 made it (what SQLite's rebuild copies from)."""
    return sa.Table(
        "audit_log",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("client_address", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(f"event IN ({events})", name="ck_audit_log_event_allowed"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_log_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.Index("ix_audit_log_at", "at"),
        sa.Index("ix_audit_log_user_id", "user_id"),
    )


def _swap_events(old: str, new: str) -> None:
    dialect = op.get_bind().dialect.name
    sqlite = dialect == "sqlite"
    for statement in DROP_APPEND_ONLY.get(dialect, []):
        op.execute(statement)
    if sqlite:
        batch = op.batch_alter_table("audit_log", copy_from=_audit_log(old), recreate="always")
    else:
        batch = op.batch_alter_table("audit_log")
    with batch as b:
        b.drop_constraint(op.f("ck_audit_log_event_allowed"), type_="check")
        b.create_check_constraint(op.f("ck_audit_log_event_allowed"), f"event IN ({new})")
    for statement in APPEND_ONLY.get(dialect, []):
        op.execute(statement)


def upgrade() -> None:
    _swap_events(OLD_EVENTS, EVENTS)
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("priority_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_role", sa.String(32), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'dropped')", name=op.f("ck_follow_ups_status_allowed")
        ),
        sa.CheckConstraint(
            "(measure_id IS NULL) <> (priority_id IS NULL)", name=op.f("ck_follow_ups_measure_or_priority")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_follow_ups_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_follow_ups_measure_id_measures")
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priorities.id"], name=op.f("fk_follow_ups_priority_id_priorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    op.create_index("ix_follow_ups_status_due_on", "follow_ups", ["status", "due_on"])
    op.create_index(op.f("ix_follow_ups_department_id"), "follow_ups", ["department_id"])
    op.create_index(op.f("ix_follow_ups_measure_id"), "follow_ups", ["measure_id"])
    op.create_index(op.f("ix_follow_ups_priority_id"), "follow_ups", ["priority_id"])
    op.create_table(
        "follow_up_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('created', 'note', 'status', 'due')", name=op.f("ck_follow_up_notes_kind_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_ups.id"],
            name=op.f("fk_follow_up_notes_follow_up_id_follow_ups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_notes")),
    )
    op.create_index(op.f("ix_follow_up_notes_follow_up_id"), "follow_up_notes", ["follow_up_id"])


def downgrade() -> None:
    # The audit log keeps its history: going back is refused while it holds follow-up events
    # (they would break the old CHECK), rather than deleting audit rows;
    # checked first, so that a refusal leaves everything as it was.
    held = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM audit_log WHERE event IN (" + NEW_EVENTS + ")"))
        .scalar()
    )
    if held:
        raise RuntimeError(
            f"The audit log holds {held} follow-up events; an append-only log is not rewritten, so "
            "this downgrade stops here. Restore a backup taken before 0011_follow_ups instead."
        )
    op.drop_index(op.f("ix_follow_up_notes_follow_up_id"), table_name="follow_up_notes")
    op.drop_table("follow_up_notes")
    for name in ("priority_id", "measure_id", "department_id"):
        op.drop_index(op.f(f"ix_follow_ups_{name}"), table_name="follow_ups")
    op.drop_index("ix_follow_ups_status_due_on", table_name="follow_ups")
    op.drop_table("follow_ups")
    _swap_events(EVENTS, OLD_EVENTS)
