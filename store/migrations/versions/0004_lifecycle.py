"""Deployments, schedules and approvals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("pipeline_id", sa.String(64), nullable=True),
        sa.Column("execution_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        _ts("requested_at", False),
        _ts("expires_at", False),
        _ts("decided_at", True),
    )
    op.create_index("ix_approvals_tenant_workflow", "approvals", ["tenant_id", "workflow_id"])
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("pipeline_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("dag_id", sa.String(250), nullable=False),
        sa.Column("dag_path", sa.String(), nullable=True),
        sa.Column("schedule", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(300), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("message", sa.String(), nullable=True),
        _ts("created_at", False),
        _ts("deployed_at", True),
    )
    op.create_index("ix_deployments_tenant_pipeline", "deployments", ["tenant_id", "pipeline_id"])
    op.create_table(
        "pipeline_schedules",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("pipeline_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("cron", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("temporal_id", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at", False),
        _ts("updated_at", False),
    )
    op.create_index(
        "ix_schedules_tenant_pipeline", "pipeline_schedules", ["tenant_id", "pipeline_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_schedules_tenant_pipeline", table_name="pipeline_schedules")
    op.drop_table("pipeline_schedules")
    op.drop_index("ix_deployments_tenant_pipeline", table_name="deployments")
    op.drop_table("deployments")
    op.drop_index("ix_approvals_tenant_workflow", table_name="approvals")
    op.drop_table("approvals")
