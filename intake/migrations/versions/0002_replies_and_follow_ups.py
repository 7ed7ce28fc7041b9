"""Replies and follow-ups: reply ciphertext, reply bundle sequences, and `follows`.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add submissions.follows and the three tables of reply loading."""
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("follows", sa.String(32), nullable=True))
        batch.create_index("ix_submissions_follows", ["follows"])
    op.create_table(
        "replies",
        sa.Column("row", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("loaded_day", sa.Date(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_replies_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("row", name="pk_replies"),
        sa.UniqueConstraint("id", name="uq_replies_id"),
    )
    op.create_index("ix_replies_submission_id", "replies", ["submission_id"])
    op.create_index("ix_replies_loaded_day", "replies", ["loaded_day"])
    op.create_table(
        "reviewer_sequences",
        sa.Column("signer", sa.String(64), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("signer", name="pk_reviewer_sequences"),
    )
    op.create_table(
        "loaded_reply_bundles",
        sa.Column("bundle_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", name="pk_loaded_reply_bundles"),
    )


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_table("loaded_reply_bundles")
    op.drop_table("reviewer_sequences")
    op.drop_index("ix_replies_loaded_day", table_name="replies")
    op.drop_index("ix_replies_submission_id", table_name="replies")
    op.drop_table("replies")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_follows")
        batch.drop_column("follows")
