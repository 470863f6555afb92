"""Priority narratives: the Mayor's Office's account of a priority for a period, in versions.

- priority_narratives: one row per version (draft or published) of the account of a priority for
  a period. A published version is never changed or deleted: triggers refuse it on both databases
  (a draft may be edited; publishing it is its last change).
- audit_log: the events `narrative_saved` and `narrative_published` join the allowed ones. SQLite
  rebuilds the table to change its CHECK constraint, which drops its append-only triggers: they
  are put back after it (as 0004 made them). PostgreSQL alters the constraint in place.

Revision ID: 0010_priority_narrative
Revises: 0009_open_data_audit
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_priority_narrative"
down_revision = "0009_open_data_audit"
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
UTC = sa.DateTime(timezone=True)
OLD_EVENTS = (
    "'login', 'login_failed', 'logout', 'denied', 'user_created', 'user_disabled', "
    "'role_changed', 'password_changed', 'departments_changed', "
    "'inventory_changed', 'inventory_imported', 'request_moderated', 'request_answered'"
)
NEW_EVENTS = f"{OLD_EVENTS}, 'narrative_saved', 'narrative_published'"

AUDIT_APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is refused'); END""",
]

PUBLISHED_IS_FINAL = {
    "sqlite": [
        """CREATE TRIGGER priority_narratives_published_no_update BEFORE UPDATE ON priority_narratives
           WHEN OLD.state = 'published'
           BEGIN SELECT RAISE(ABORT, 'a published narrative is never changed: UPDATE is refused'); END""",
        """CREATE TRIGGER priority_narratives_published_no_delete BEFORE DELETE ON priority_narratives
           WHEN OLD.state = 'published'
           BEGIN SELECT RAISE(ABORT, 'a published narrative is never deleted: DELETE is refused'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION aim_refuse_published_narrative_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF OLD.state = 'published' THEN
               RAISE EXCEPTION 'a published narrative is never changed: % is refused', TG_OP
                 USING ERRCODE = 'insufficient_privilege';
             END IF;
             IF TG_OP = 'DELETE' THEN
               RETURN OLD;
             END IF;
             RETURN NEW;
           END $$""",
        """CREATE TRIGGER priority_narratives_published_is_final
           BEFORE UPDATE OR DELETE ON priority_narratives
           FOR EACH ROW EXECUTE FUNCTION aim_refuse_published_narrative_change()""",
    ],
}
DROP_PUBLISHED_IS_FINAL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS priority_narratives_published_no_update",
        "DROP TRIGGER IF EXISTS priority_narratives_published_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS priority_narratives_published_is_final ON priority_narratives",
        "DROP FUNCTION IF EXISTS aim_refuse_published_narrative_change()",
    ],
}


def _audit_log(events: str) -> sa.Table:
    """The audit_log table as revision 0004 made it (what SQLite's rebuild copies from)."""
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


def _swap_events(before: str, after: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        batch = op.batch_alter_table("audit_log", copy_from=_audit_log(before), recreate="always")
    else:
        batch = op.batch_alter_table("audit_log")
    with batch as b:
        b.drop_constraint(op.f("ck_audit_log_event_allowed"), type_="check")
        b.create_check_constraint(op.f("ck_audit_log_event_allowed"), f"event IN ({after})")
    if sqlite:
        for statement in AUDIT_APPEND_ONLY_SQLITE:
            op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "priority_narratives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("seeing", sa.Text(), nullable=False),
        sa.Column("doing", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'published')", name=op.f("ck_priority_narratives_state_allowed")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_priority_narratives_version_positive")),
        sa.CheckConstraint(
            "state = 'draft' OR published_at IS NOT NULL",
            name=op.f("ck_priority_narratives_published_has_date"),
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priorities.id"], name=op.f("fk_priority_narratives_priority_id_priorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_narratives")),
        sa.UniqueConstraint(
            "priority_id", "period", "version", name=op.f("uq_priority_narratives_priority_id_period_version")
        ),
    )
    op.create_index(
        "ix_priority_narratives_priority_id_state", "priority_narratives", ["priority_id", "state"]
    )
    for statement in PUBLISHED_IS_FINAL.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    _swap_events(OLD_EVENTS, NEW_EVENTS)


def downgrade() -> None:
    # The audit log is append-only: going back is refused while it holds narrative events (the
    # older schema has no word for them) rather than rewriting history, as 0007 does for figures.
    found = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE event IN ('narrative_saved', 'narrative_published')"
        )
        .scalar()
    )
    if found:
        raise RuntimeError(
            "Cannot downgrade below 0010_priority_narrative: the audit log records narrative events, "
            "which the older schema cannot store."
        )
    _swap_events(NEW_EVENTS, OLD_EVENTS)
    for statement in DROP_PUBLISHED_IS_FINAL.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_index("ix_priority_narratives_priority_id_state", table_name="priority_narratives")
    op.drop_table("priority_narratives")
