"""An activity names its output measures: `measures.is_output`, the denominator of cost per unit.

Only output measures that count units may be outputs (a check constraint), so that spending
divided by the figure is a cost per unit. Existing measures are not outputs until a city says so.

Revision ID: 0006_activity_outputs
Revises: 0005_open_data
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_activity_outputs"
down_revision = "0005_open_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measures") as batch:
        batch.add_column(sa.Column("is_output", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_check_constraint(
            op.f("ck_measures_output_counts_units"),
            "NOT is_output OR (measure_type = 'output' AND unit_kind = 'count')",
        )


def downgrade() -> None:
    with op.batch_alter_table("measures") as batch:
        batch.drop_constraint(op.f("ck_measures_output_counts_units"), type_="check")
        batch.drop_column("is_output")
