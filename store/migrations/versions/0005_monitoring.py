"""Alerts and run metrics for monitoring and cost

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("pipeline_id", sa.String(64), nullable=True),
        sa.Column("execution_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_alerts_tenant_status", "alerts", ["tenant_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_alerts_tenant_status", table_name="alerts")
    op.drop_table("alerts")
