"""drop event_receipts: the inbox (0005) took over deduplicating Slack's events, and nothing writes or reads it

Its rows were Slack event ids kept for two days to drop redeliveries; the last ones written by a version
before the inbox are long past that, so dropping the table loses nothing an operator needs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_event_receipts_received_at", "event_receipts")
    op.drop_table("event_receipts")


def downgrade() -> None:
    # As 0003 created it (empty: what it held is not brought back).
    op.create_table(
        "event_receipts",
        sa.Column("event_key", sa.String(255), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_receipts_received_at", "event_receipts", ["received_at"])
