"""answer feedback and inbound event receipts (Slack app)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Spelled out rather than imported from storage.models, so the migration keeps meaning what it meant.
FEEDBACK_VERDICTS = "verdict IN ('helpful', 'wrong', 'picked')"


def upgrade() -> None:
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question_log_id", sa.Integer(), sa.ForeignKey("question_log.id")),
        sa.Column("entry_id", sa.String(128)),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(FEEDBACK_VERDICTS, name="ck_answer_feedback_verdict"),
    )
    op.create_index("ix_answer_feedback_question_log", "answer_feedback", ["question_log_id"])
    op.create_index("ix_answer_feedback_created_at", "answer_feedback", ["created_at"])
    op.create_table(
        "event_receipts",
        sa.Column("event_key", sa.String(255), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_receipts_received_at", "event_receipts", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_event_receipts_received_at", "event_receipts")
    op.drop_table("event_receipts")
    op.drop_index("ix_answer_feedback_created_at", "answer_feedback")
    op.drop_index("ix_answer_feedback_question_log", "answer_feedback")
    op.drop_table("answer_feedback")
