"""The open data site: the data inventory, the public's data requests, archived releases, and the
data_coordinator role who keeps them.

Revision ID: 0005_open_data
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_open_data"
down_revision = "0004"
branch_labels = None
depends_on = None

# Migrations never import the application's models: they must replay the same way forever.
UTC = sa.DateTime(timezone=True)
OLD_ROLES = "'department_editor', 'budget_analyst', 'mayors_office', 'admin'"
NEW_ROLES = OLD_ROLES + ", 'data_coordinator'"


def _one_of(column: str, values: tuple[str, ...], table: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}_allowed"))


def _roles(allowed: str) -> None:
    # SQLite cannot alter a constraint: Alembic rebuilds the table (copy, drop, rename), with
    # foreign keys off for the migration (see migrations/env.py), so nothing cascades.
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_allowed"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role_allowed"), f"role IN ({allowed})")


def upgrade() -> None:
    _roles(NEW_ROLES)
    op.create_table(
        "data_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("steward_department_id", sa.Integer(), nullable=True),
        sa.Column("system_of_record", sa.String(200), nullable=False),
        sa.Column("classification", sa.String(16), nullable=False),
        sa.Column("release_status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("update_frequency", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("access_url", sa.String(500), nullable=False),
        sa.Column("keywords", sa.String(500), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        _one_of("classification", ("public", "restricted", "confidential"), "data_assets"),
        _one_of(
            "release_status", ("published", "planned", "under_review", "will_not_release"), "data_assets"
        ),
        _one_of(
            "update_frequency",
            ("daily", "weekly", "monthly", "quarterly", "annually", "irregular", "not_updated"),
            "data_assets",
        ),
        sa.CheckConstraint("priority >= 1 AND priority <= 5", name=op.f("ck_data_assets_priority_range")),
        sa.CheckConstraint(
            "release_status <> 'published' OR classification = 'public'",
            name=op.f("ck_data_assets_published_is_public"),
        ),
        sa.CheckConstraint(
            "release_status <> 'will_not_release' OR status_reason <> ''",
            name=op.f("ck_data_assets_refusal_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["steward_department_id"],
            ["departments.id"],
            name=op.f("fk_data_assets_steward_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_assets")),
        sa.UniqueConstraint("slug", name=op.f("uq_data_assets_slug")),
    )
    op.create_index(op.f("ix_data_assets_steward_department_id"), "data_assets", ["steward_department_id"])
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("need", sa.String(2000), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("moderated_at", UTC, nullable=True),
        sa.Column("moderated_by", sa.String(200), nullable=False),
        sa.Column("answer_status", sa.String(10), nullable=False),
        sa.Column("answer", sa.String(2000), nullable=False),
        sa.Column("answer_url", sa.String(500), nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=False),
        _one_of("kind", ("new", "support"), "data_requests"),
        _one_of("state", ("pending", "approved", "rejected"), "data_requests"),
        _one_of("answer_status", ("open", "planned", "released", "declined"), "data_requests"),
        sa.CheckConstraint(
            "kind = 'new' OR asset_id IS NOT NULL", name=op.f("ck_data_requests_support_names_an_asset")
        ),
        sa.CheckConstraint(
            "answer_status = 'open' OR state = 'approved'",
            name=op.f("ck_data_requests_answered_when_approved"),
        ),
        sa.CheckConstraint(
            "answer_status <> 'declined' OR answer <> ''", name=op.f("ck_data_requests_declined_has_reason")
        ),
        sa.CheckConstraint(
            "answer_status <> 'released' OR answer_url <> ''",
            name=op.f("ck_data_requests_released_has_link"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["data_assets.id"], name=op.f("fk_data_requests_asset_id_data_assets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    op.create_index(op.f("ix_data_requests_asset_id"), "data_requests", ["asset_id"])
    op.create_index("ix_data_requests_state_created_at", "data_requests", ["state", "created_at"])
    op.create_table(
        "data_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.CheckConstraint("file_count >= 1", name=op.f("ck_data_releases_file_count_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_releases")),
        sa.UniqueConstraint("release_date", name=op.f("uq_data_releases_release_date")),
    )


def downgrade() -> None:
    op.drop_table("data_releases")
    op.drop_index("ix_data_requests_state_created_at", table_name="data_requests")
    op.drop_index(op.f("ix_data_requests_asset_id"), table_name="data_requests")
    op.drop_table("data_requests")
    op.drop_index(op.f("ix_data_assets_steward_department_id"), table_name="data_assets")
    op.drop_table("data_assets")
    # Accounts holding the role would break the old constraint: they are refused, not rewritten.
    _roles(OLD_ROLES)
