"""Index for a pipeline's last finished runs (the typical duration every execute call answers
with), so that read stays ten rows however many runs the store holds

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:40:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_executions_pipeline_finished", "executions", ["pipeline_id", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_executions_pipeline_finished", table_name="executions")
