"""Couriers: credentials of the pickup endpoint and the trail of its use.

Revision ID: 0005_couriers
Revises: 0004_urgency
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_couriers"
down_revision = "0004_urgency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the couriers and courier_uses tables."""
    op.create_table(
        "couriers",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("sealed_totp_secret", sa.Text(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("added_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_couriers"),
    )
    op.create_table(
        "courier_uses",
        sa.Column("row", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("courier", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("row", name="pk_courier_uses"),
    )
    op.create_index("ix_courier_uses_courier", "courier_uses", ["courier"])


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_index("ix_courier_uses_courier", table_name="courier_uses")
    op.drop_table("courier_uses")
    op.drop_table("couriers")
