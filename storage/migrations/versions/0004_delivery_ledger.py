"""delivery ledger for the weekly digest and reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Spelled out rather than imported from storage.models, so the migration keeps meaning what it meant.
DELIVERY_STATUSES = "status IN ('posting', 'posted', 'failed')"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claim_token", sa.String(36)),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
        sa.Column("times_posted", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(255)),
        sa.UniqueConstraint("kind", "period", "target", name="uq_deliveries_kind_period_target"),
        sa.CheckConstraint(DELIVERY_STATUSES, name="ck_deliveries_status"),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
