"""Indexes for the retention sweep: run log lines by age, ended webhook deliveries by age

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:00:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_run_logs_ts", "run_logs", ["ts"])
    op.create_index(
        "ix_webhook_deliveries_status_updated", "webhook_deliveries", ["status", "updated_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_status_updated", table_name="webhook_deliveries")
    op.drop_index("ix_run_logs_ts", table_name="run_logs")
