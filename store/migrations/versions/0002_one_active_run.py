"""At most one run in progress per pipeline

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('QUEUED', 'RUNNING')")


def upgrade() -> None:
    op.create_index(
        "uq_executions_one_active",
        "executions",
        ["pipeline_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_executions_one_active", table_name="executions")
