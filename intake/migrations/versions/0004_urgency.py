"""Urgency in the clear until pickup: submissions.urgent (docs/threat-model.md).

Revision ID: 0004_urgency
Revises: 0003_write_path
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_urgency"
down_revision = "0003_write_path"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add submissions.urgent; submissions already waiting count as not urgent.

    Their documents still say whether they are (review reads that on import);
    only the count and the order of the next pickup cannot know it for them.
    """
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Drop submissions.urgent."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("urgent")
