"""staff may carry a Microsoft Teams identity (the Azure AD object id Teams sends as from.aadObjectId)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("teams_id", sa.String(64), nullable=True))
    op.create_index("uq_staff_teams_id", "staff", ["teams_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_staff_teams_id", table_name="staff")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("teams_id")
