"""Deployment schedules pin their environment and pipeline version; environments one spelling

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): no batch copy of the table.
    op.add_column("pipeline_schedules", sa.Column("environment", sa.String(64), nullable=True))
    op.add_column("pipeline_schedules", sa.Column("pipeline_version", sa.Integer(), nullable=True))
    # " Production " and "production" are one environment (services.deployments.environment_name).
    op.execute("UPDATE deployments SET environment = lower(trim(environment))")


def downgrade() -> None:
    with op.batch_alter_table("pipeline_schedules") as batch:
        batch.drop_column("pipeline_version")
        batch.drop_column("environment")
