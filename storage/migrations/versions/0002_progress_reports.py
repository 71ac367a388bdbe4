"""progress reporting: departments, staff, initiatives with KPIs, append-only reports and withdrawals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Spelled out here rather than imported from storage.models: a migration must keep meaning what it
# meant when it was written, whatever the models say later.
STAFF_ROLES = "role IN ('member', 'leader', 'admin')"
REPORT_STATUSES = (
    "status IN ('not_started', 'considering', 'preparing', 'in_progress', 'done', 'paused', 'on_hold')"
)


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_departments_name"),
    )
    op.create_table(
        "staff",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STAFF_ROLES, name="ck_staff_role"),
    )
    op.create_table(
        "initiatives",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("reform", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("theme_no", sa.String(8), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("plan_version", sa.String(64)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "initiative_departments",
        sa.Column("initiative_id", sa.String(16), sa.ForeignKey("initiatives.id"), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), primary_key=True),
    )
    op.create_table(
        "initiative_kpis",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("initiative_id", sa.String(16), sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("target", sa.Float()),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("initiative_id", "name", name="uq_initiative_kpis_initiative_name"),
    )
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("initiative_id", sa.String(16), sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("reporter_id", sa.String(64), sa.ForeignKey("staff.user_id"), nullable=False),
        sa.Column("reporter_name", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("percent", sa.Integer()),
        sa.Column("kpi_id", sa.Integer(), sa.ForeignKey("initiative_kpis.id")),
        sa.Column("kpi_value", sa.Float()),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(255)),
        sa.UniqueConstraint("request_id", name="uq_progress_reports_request_id"),
        sa.CheckConstraint(REPORT_STATUSES, name="ck_progress_reports_status"),
        sa.CheckConstraint(
            "percent IS NULL OR (percent >= 0 AND percent <= 100)", name="ck_progress_reports_percent"
        ),
    )
    op.create_index(
        "ix_progress_reports_initiative", "progress_reports", ["initiative_id", "reported_at", "id"]
    )
    op.create_index("ix_progress_reports_department", "progress_reports", ["department_id", "reported_at"])
    op.create_index("ix_progress_reports_reporter", "progress_reports", ["reporter_id", "reported_at"])
    op.create_index("ix_progress_reports_reported_at", "progress_reports", ["reported_at"])
    op.create_table(
        "report_withdrawals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("progress_reports.id"), nullable=False),
        sa.Column("withdrawn_by", sa.String(64), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(255)),
        sa.UniqueConstraint("report_id", name="uq_report_withdrawals_report_id"),
        sa.UniqueConstraint("request_id", name="uq_report_withdrawals_request_id"),
    )


def downgrade() -> None:
    op.drop_table("report_withdrawals")
    op.drop_index("ix_progress_reports_reported_at", "progress_reports")
    op.drop_index("ix_progress_reports_reporter", "progress_reports")
    op.drop_index("ix_progress_reports_department", "progress_reports")
    op.drop_index("ix_progress_reports_initiative", "progress_reports")
    op.drop_table("progress_reports")
    op.drop_table("initiative_kpis")
    op.drop_table("initiative_departments")
    op.drop_table("initiatives")
    op.drop_table("staff")
    op.drop_table("departments")
