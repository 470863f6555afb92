"""Initial schema: priorities, departments, activities, measures, targets, actuals, revisions, budgets.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
UTC = sa.DateTime(timezone=True)
STATES = "'draft', 'submitted', 'approved', 'published'"

APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER actual_revisions_no_update BEFORE UPDATE ON actual_revisions
           BEGIN SELECT RAISE(ABORT, 'actual_revisions is append-only: UPDATE is refused'); END""",
        """CREATE TRIGGER actual_revisions_no_delete BEFORE DELETE ON actual_revisions
           BEGIN SELECT RAISE(ABORT, 'actual_revisions is append-only: DELETE is refused'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION aim_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
               USING ERRCODE = 'insufficient_privilege';
           END $$""",
        """CREATE TRIGGER actual_revisions_append_only
           BEFORE UPDATE OR DELETE ON actual_revisions
           FOR EACH ROW EXECUTE FUNCTION aim_refuse_change()""",
        """CREATE TRIGGER actual_revisions_no_truncate BEFORE TRUNCATE ON actual_revisions
           FOR EACH STATEMENT EXECUTE FUNCTION aim_refuse_change()""",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS actual_revisions_no_update",
        "DROP TRIGGER IF EXISTS actual_revisions_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS actual_revisions_no_truncate ON actual_revisions",
        "DROP TRIGGER IF EXISTS actual_revisions_append_only ON actual_revisions",
        "DROP FUNCTION IF EXISTS aim_refuse_change()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_table(
        "priorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priorities")),
        sa.UniqueConstraint("slug", name=op.f("uq_priorities_slug")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_activities_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("code", name=op.f("uq_activities_code")),
    )
    op.create_index(op.f("ix_activities_department_id"), "activities", ["department_id"])
    op.create_table(
        "activity_priorities",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            ondelete="CASCADE",
            name=op.f("fk_activity_priorities_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"],
            ["priorities.id"],
            ondelete="CASCADE",
            name=op.f("fk_activity_priorities_priority_id_priorities"),
        ),
        sa.PrimaryKeyConstraint("activity_id", "priority_id", name=op.f("pk_activity_priorities")),
    )
    op.create_index("ix_activity_priorities_priority_id", "activity_priorities", ["priority_id"])
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("adopted", sa.Numeric(16, 2), nullable=False),
        sa.Column("expenditure", sa.Numeric(16, 2), nullable=True),
        sa.Column("fte", sa.Numeric(10, 2), nullable=True),
        sa.CheckConstraint("adopted >= 0", name=op.f("ck_budgets_adopted_not_negative")),
        sa.CheckConstraint("fte IS NULL OR fte >= 0", name=op.f("ck_budgets_fte_not_negative")),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_budgets_activity_id_activities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
        sa.UniqueConstraint("activity_id", "fiscal_year", name=op.f("uq_budgets_activity_id_fiscal_year")),
    )
    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("calculation", sa.Text(), nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.Column("unit_kind", sa.String(16), nullable=False),
        sa.Column("unit_label", sa.String(80), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("aggregation", sa.String(8), nullable=False),
        sa.Column("tolerance", sa.Float(), nullable=False),
        sa.Column("measure_type", sa.String(16), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("retired_at", sa.Date(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.CheckConstraint(
            "aggregation IN ('sum', 'mean', 'last')", name=op.f("ck_measures_aggregation_allowed")
        ),
        sa.CheckConstraint(
            "direction IN ('up', 'down', 'range')", name=op.f("ck_measures_direction_allowed")
        ),
        sa.CheckConstraint(
            "frequency IN ('monthly', 'quarterly', 'annual')",
            name=op.f("ck_measures_frequency_allowed"),
        ),
        sa.CheckConstraint(
            "measure_type IN ('outcome', 'output', 'efficiency', 'demand')",
            name=op.f("ck_measures_measure_type_allowed"),
        ),
        sa.CheckConstraint(
            "unit_kind IN ('count', 'percent', 'currency', 'rate', 'duration', 'ratio', 'score')",
            name=op.f("ck_measures_unit_kind_allowed"),
        ),
        sa.CheckConstraint(
            "retired_at IS NULL OR active_from IS NULL OR retired_at >= active_from",
            name=op.f("ck_measures_retired_after_active"),
        ),
        sa.CheckConstraint("tolerance >= 0 AND tolerance <= 1", name=op.f("ck_measures_tolerance_fraction")),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_measures_activity_id_activities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
        sa.UniqueConstraint("code", name=op.f("uq_measures_code")),
    )
    op.create_index(op.f("ix_measures_activity_id"), "measures", ["activity_id"])
    op.create_table(
        "actuals",
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
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_actuals_state_allowed")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_actuals_version_positive")),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], name=op.f("fk_actuals_measure_id_measures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actuals")),
        sa.UniqueConstraint("measure_id", "period", name=op.f("uq_actuals_measure_id_period")),
    )
    op.create_index("ix_actuals_state_period", "actuals", ["state", "period", "measure_id"])
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", UTC, nullable=False),
        sa.CheckConstraint(
            "low IS NULL OR high IS NULL OR low <= high", name=op.f("ck_targets_low_not_above_high")
        ),
        sa.CheckConstraint(
            "value IS NOT NULL OR (low IS NOT NULL AND high IS NOT NULL)",
            name=op.f("ck_targets_value_or_bounds"),
        ),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], name=op.f("fk_targets_measure_id_measures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("measure_id", "period", name=op.f("uq_targets_measure_id_period")),
    )
    op.create_table(
        "actual_revisions",
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
            f"old_state IS NULL OR old_state IN ({STATES})",
            name=op.f("ck_actual_revisions_old_state_allowed"),
        ),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_actual_revisions_state_allowed")),
        sa.ForeignKeyConstraint(
            ["actual_id"], ["actuals.id"], name=op.f("fk_actual_revisions_actual_id_actuals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actual_revisions")),
    )
    op.create_index(op.f("ix_actual_revisions_actual_id"), "actual_revisions", ["actual_id"])
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_index(op.f("ix_actual_revisions_actual_id"), table_name="actual_revisions")
    op.drop_table("actual_revisions")
    op.drop_table("targets")
    op.drop_index("ix_actuals_state_period", table_name="actuals")
    op.drop_table("actuals")
    op.drop_index(op.f("ix_measures_activity_id"), table_name="measures")
    op.drop_table("measures")
    op.drop_table("budgets")
    op.drop_index("ix_activity_priorities_priority_id", table_name="activity_priorities")
    op.drop_table("activity_priorities")
    op.drop_index(op.f("ix_activities_department_id"), table_name="activities")
    op.drop_table("activities")
    op.drop_table("priorities")
    op.drop_table("departments")
