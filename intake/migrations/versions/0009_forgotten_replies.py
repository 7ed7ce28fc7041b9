"""Forgotten replies: the ids of replies retention deleted, kept while their case is.

Revision ID: 0009_forgotten_replies
Revises: 0008_reply_sequence_window
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_forgotten_replies"
down_revision = "0008_reply_sequence_window"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the forgotten_replies table (empty: replies purged before it are not known)."""
    op.create_table(
        "forgotten_replies",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            ondelete="CASCADE",
            name="fk_forgotten_replies_submission_id_submissions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_forgotten_replies"),
        # No hidden rowid on SQLite: it would count purged replies in purge order.
        sqlite_with_rowid=False,
    )
    op.create_index("ix_forgotten_replies_submission_id", "forgotten_replies", ["submission_id"])


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_index("ix_forgotten_replies_submission_id", table_name="forgotten_replies")
    op.drop_table("forgotten_replies")
