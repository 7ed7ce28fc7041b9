"""Reply bundle sequences as a window: a late bundle still loads, a replayed one never does.

Revision ID: 0008_reply_sequence_window
Revises: 0007_delivery_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_reply_sequence_window"
down_revision = "0007_delivery_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Keep the sequences loaded above each signer's floor; the last one loaded becomes it.

    Which sequences up to the last one were loaded was never recorded, so all of
    them stay refused, as they were: a bundle refused before this stays refused
    (its replies are written again); only bundles newer than it profit.
    """
    with op.batch_alter_table("reviewer_sequences") as batch:
        batch.alter_column("last_sequence", new_column_name="floor_sequence")
    op.create_table(
        "loaded_reply_sequences",
        sa.Column("signer", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("signer", "sequence", name="pk_loaded_reply_sequences"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    """Back to one last sequence a signer: the highest loaded, so nothing loaded loads again.

    A bundle older than it and never loaded is then refused, as 0006 did.
    """
    loaded = sa.table(
        "loaded_reply_sequences", sa.column("signer", sa.String), sa.column("sequence")
    )
    floors = sa.table(
        "reviewer_sequences", sa.column("signer", sa.String), sa.column("floor_sequence")
    )
    highest = (
        sa.select(sa.func.max(loaded.c.sequence))
        .where(loaded.c.signer == floors.c.signer)
        .scalar_subquery()
    )
    # Only where it is higher: a row a racing load left below the floor must not lower it.
    op.execute(
        floors.update().where(highest > floors.c.floor_sequence).values(floor_sequence=highest)
    )
    op.drop_table("loaded_reply_sequences")
    with op.batch_alter_table("reviewer_sequences") as batch:
        batch.alter_column("floor_sequence", new_column_name="last_sequence")
