"""The review workflow: a "returned" state, corrections of published figures kept apart from the
published value, explanations in the revision history, target proposals, and the data version.

- actuals: `returned` joins the allowed states; `pending_value`, `pending_explanation` and
  `pending_state` hold a correction of a published figure while it is reviewed (the public keeps
  seeing the published value); `review_comment` and `published_at`.
- actual_revisions: `returned` allowed; `explanation` (what the figure said after the change); an
  index on (state, changed_at) for "what was published on a date". Still append-only.
- target_proposals: targets proposed by departments and approved by the budget office.
- figure_comments: remarks on figures (the Mayor's Office comments; it does not approve).
- city_info.data_version: moves on every change of published data.

Revision ID: 0007_workflow
Revises: 0006_activity_outputs
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_workflow"
down_revision = "0006_activity_outputs"
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
UTC = sa.DateTime(timezone=True)
OLD_STATES = "'draft', 'submitted', 'approved', 'published'"
STATES = "'draft', 'submitted', 'returned', 'approved', 'published'"
PENDING = "'draft', 'submitted', 'returned', 'approved'"

# SQLite rebuilds a table to change a CHECK constraint, and the rebuild drops its triggers: the
# append-only triggers of revision 0001 are put back after it. (PostgreSQL alters in place.)
SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER actual_revisions_no_update BEFORE UPDATE ON actual_revisions
       BEGIN SELECT RAISE(ABORT, 'actual_revisions is append-only: UPDATE is refused'); END""",
    """CREATE TRIGGER actual_revisions_no_delete BEFORE DELETE ON actual_revisions
       BEGIN SELECT RAISE(ABORT, 'actual_revisions is append-only: DELETE is refused'); END""",
]


def _actuals(states: str) -> sa.Table:
    """The actuals table as revisions 0001 and 0003 left it (what SQLite's rebuild copies from)."""
    return sa.Table(
        "actuals",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint(f"state IN ({states})", name="ck_actuals_state_allowed"),
        sa.CheckConstraint("version >= 1", name="ck_actuals_version_positive"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], name="fk_actuals_measure_id_measures"),
        sa.PrimaryKeyConstraint("id", name="pk_actuals"),
        sa.UniqueConstraint("measure_id", "period", name="uq_actuals_measure_id_period"),
        sa.Index("ix_actuals_state_period_value", "state", "period", "measure_id", "value"),
    )


def _revisions(states: str) -> sa.Table:
    return sa.Table(
        "actual_revisions",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actual_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("old_state", sa.String(12), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", UTC, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            f"old_state IS NULL OR old_state IN ({states})", name="ck_actual_revisions_old_state_allowed"
        ),
        sa.CheckConstraint(f"state IN ({states})", name="ck_actual_revisions_state_allowed"),
        sa.ForeignKeyConstraint(["actual_id"], ["actuals.id"], name="fk_actual_revisions_actual_id_actuals"),
        sa.PrimaryKeyConstraint("id", name="pk_actual_revisions"),
        sa.Index("ix_actual_revisions_actual_id", "actual_id"),
    )


def _swap_state_checks(batch, table: str, states: str, *, old_state: bool) -> None:
    batch.drop_constraint(op.f(f"ck_{table}_state_allowed"), type_="check")
    batch.create_check_constraint(op.f(f"ck_{table}_state_allowed"), f"state IN ({states})")
    if old_state:
        batch.drop_constraint(op.f(f"ck_{table}_old_state_allowed"), type_="check")
        batch.create_check_constraint(
            op.f(f"ck_{table}_old_state_allowed"), f"old_state IS NULL OR old_state IN ({states})"
        )


def _batch(table: sa.Table, sqlite: bool):
    if sqlite:
        return op.batch_alter_table(table.name, copy_from=table, recreate="always")
    return op.batch_alter_table(table.name)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with _batch(_actuals(OLD_STATES), sqlite) as batch:
        batch.add_column(sa.Column("pending_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("pending_explanation", sa.Text(), nullable=True))
        batch.add_column(sa.Column("pending_state", sa.String(12), nullable=True))
        batch.add_column(sa.Column("review_comment", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("published_at", UTC, nullable=True))
        _swap_state_checks(batch, "actuals", STATES, old_state=False)
        batch.create_check_constraint(
            op.f("ck_actuals_pending_only_on_published"),
            f"pending_state IS NULL OR (state = 'published' AND pending_state IN ({PENDING}))",
        )
    with _batch(_revisions(OLD_STATES), sqlite) as batch:
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=False, server_default=""))
        _swap_state_checks(batch, "actual_revisions", STATES, old_state=True)
    if sqlite:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)
    op.create_index("ix_actual_revisions_state_changed_at", "actual_revisions", ["state", "changed_at"])
    op.create_index("ix_actuals_pending_state", "actuals", ["pending_state"])
    # A figure imported as published was published when it was last changed.
    op.execute("UPDATE actuals SET published_at = updated_at WHERE state = 'published'")

    with op.batch_alter_table("city_info") as batch:
        batch.add_column(sa.Column("data_version", sa.Integer(), nullable=False, server_default="0"))

    op.create_table(
        "target_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", UTC, nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("old_low", sa.Float(), nullable=True),
        sa.Column("old_high", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'returned', 'approved')",
            name=op.f("ck_target_proposals_state_allowed"),
        ),
        sa.CheckConstraint(
            "value IS NOT NULL OR (low IS NOT NULL AND high IS NOT NULL)",
            name=op.f("ck_target_proposals_value_or_bounds"),
        ),
        sa.CheckConstraint(
            "low IS NULL OR high IS NULL OR low <= high", name=op.f("ck_target_proposals_low_not_above_high")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_target_proposals_version_positive")),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_target_proposals_measure_id_measures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_proposals")),
    )
    op.create_index("ix_target_proposals_measure_id_period", "target_proposals", ["measure_id", "period"])
    op.create_table(
        "figure_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actual_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actual_id"], ["actuals.id"], name=op.f("fk_figure_comments_actual_id_actuals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_comments")),
    )
    op.create_index(op.f("ix_figure_comments_actual_id"), "figure_comments", ["actual_id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(op.f("ix_figure_comments_actual_id"), table_name="figure_comments")
    op.drop_table("figure_comments")
    op.drop_index("ix_target_proposals_measure_id_period", table_name="target_proposals")
    op.drop_table("target_proposals")
    with op.batch_alter_table("city_info") as batch:
        batch.drop_column("data_version")
    op.drop_index("ix_actual_revisions_state_changed_at", table_name="actual_revisions")
    op.drop_index("ix_actuals_pending_state", table_name="actuals")
    # The old schema has no word for "returned", and revisions are never changed or deleted: going
    # back is refused while any figure or revision is in that state, rather than rewriting history.
    bind = op.get_bind()
    returned = bind.exec_driver_sql(
        "SELECT (SELECT count(*) FROM actuals WHERE state = 'returned' OR pending_state IS NOT NULL)"
        " + (SELECT count(*) FROM actual_revisions WHERE state = 'returned' OR old_state = 'returned')"
    ).scalar()
    if returned:
        raise RuntimeError(
            "Cannot downgrade below 0007_workflow: figures or revisions use the 'returned' state or "
            "hold corrections in progress, which the older schema cannot store."
        )
    new_revisions = _revisions(STATES)
    new_revisions.append_column(sa.Column("explanation", sa.Text(), nullable=False))
    with _batch(new_revisions, sqlite) as batch:
        batch.drop_column("explanation")
        _swap_state_checks(batch, "actual_revisions", OLD_STATES, old_state=True)
    if sqlite:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)
    new_actuals = _actuals(STATES)
    for column in (
        sa.Column("pending_value", sa.Float(), nullable=True),
        sa.Column("pending_explanation", sa.Text(), nullable=True),
        sa.Column("pending_state", sa.String(12), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("published_at", UTC, nullable=True),
    ):
        new_actuals.append_column(column)
    new_actuals.append_constraint(
        sa.CheckConstraint(
            f"pending_state IS NULL OR (state = 'published' AND pending_state IN ({PENDING}))",
            name="ck_actuals_pending_only_on_published",
        )
    )
    with _batch(new_actuals, sqlite) as batch:
        batch.drop_constraint(op.f("ck_actuals_pending_only_on_published"), type_="check")
        for name in (
            "published_at",
            "review_comment",
            "pending_state",
            "pending_explanation",
            "pending_value",
        ):
            batch.drop_column(name)
        _swap_state_checks(batch, "actuals", OLD_STATES, old_state=False)
