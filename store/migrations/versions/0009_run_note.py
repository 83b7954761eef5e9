"""A finished run's note (e.g. a cancel that arrived after the load committed)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite has it): a batch copy could lose the one-active-run index.
    op.add_column("executions", sa.Column("note", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("note")
