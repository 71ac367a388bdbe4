"""durable intake: the inbox of accepted requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("result", sa.Text()),
        sa.Column("error", sa.String(255)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('received', 'done', 'failed')", name="ck_inbox_state"),
    )
    op.create_index("ix_inbox_undelivered", "inbox", ["delivered_at", "lease_until"])
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_received_at", table_name="inbox")
    op.drop_index("ix_inbox_undelivered", table_name="inbox")
    op.drop_table("inbox")
