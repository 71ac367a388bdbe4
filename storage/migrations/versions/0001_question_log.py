"""question log

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("channel", sa.String(64)),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("entry_id", sa.String(128)),
    )
    op.create_index("ix_question_log_asked_at", "question_log", ["asked_at"])
    op.create_index("ix_question_log_status", "question_log", ["status"])


def downgrade() -> None:
    op.drop_index("ix_question_log_status", "question_log")
    op.drop_index("ix_question_log_asked_at", "question_log")
    op.drop_table("question_log")
