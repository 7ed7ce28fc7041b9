"""Drafts: a refused or re-languaged form's answers, encrypted, across one redirect.

Revision ID: 0006_drafts
Revises: 0005_couriers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_drafts"
down_revision = "0005_couriers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the drafts table: random ids, the day, ciphertext only the browser's key opens."""
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("made_day", sa.Date(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        # No hidden rowid on SQLite: it would count refusals in the order they happened.
        sqlite_with_rowid=False,
    )
    op.create_index("ix_drafts_made_day", "drafts", ["made_day"])


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_index("ix_drafts_made_day", table_name="drafts")
    op.drop_table("drafts")
