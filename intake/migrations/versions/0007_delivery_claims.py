"""Delivery claims: submissions.delivery and delivery_expires (intake/delivery_claims.py).

Revision ID: 0007_delivery_claims
Revises: 0006_drafts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_delivery_claims"
down_revision = "0006_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns, empty (no submission is on its way while the schema changes)."""
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("delivery", sa.String(32), nullable=True))
        batch.add_column(sa.Column("delivery_expires", sa.BigInteger(), nullable=True))
        # A pickup reads its bundle's submissions by their claim: found by the index,
        # not by scanning every submission kept.
        batch.create_index("ix_submissions_delivery", ["delivery"])


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_delivery")
        batch.drop_column("delivery_expires")
        batch.drop_column("delivery")
