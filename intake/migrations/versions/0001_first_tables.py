"""First tables: submissions, stored files, ciphertext chunks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables of intake."""
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("staged_day", sa.Date(), nullable=False),
        sa.Column("received_day", sa.Date(), nullable=True),
        sa.Column("picked_up_day", sa.Date(), nullable=True),
        sa.Column("receipt_lookup_id", sa.String(64), nullable=True),
        sa.Column("reply_recipient", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("receipt_lookup_id", name="uq_submissions_receipt_lookup_id"),
    )
    op.create_index("ix_submissions_state", "submissions", ["state"])
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_stored_files_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stored_files"),
        sa.UniqueConstraint("submission_id", "name", name="uq_stored_files_submission_id"),
    )
    op.create_index("ix_stored_files_submission_id", "stored_files", ["submission_id"])
    op.create_table(
        "chunks",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name="fk_chunks_file_id_stored_files",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name="pk_chunks"),
    )


def downgrade() -> None:
    """Drop the three tables of intake."""
    op.drop_table("chunks")
    op.drop_index("ix_stored_files_submission_id", table_name="stored_files")
    op.drop_table("stored_files")
    op.drop_index("ix_submissions_state", table_name="submissions")
    op.drop_table("submissions")
