"""The write path: staged leases, random file and chunk ids, no hidden arrival order.

Revision ID: 0003_write_path
Revises: 0002

- submissions.lease_expires: the lease of a staged submission (intake/leases.py).
  Staged rows from before have none and are given an expired one, so the first
  collection takes them: their uploads died with the processes that ran 0002.
- stored_files.id was a sequence (1, 2, 3... in arrival order across every
  submission); each existing file is given a random 63-bit id, and its chunks
  follow it. chunks get a random id of their own as primary key, since SQLite
  keys a table without an integer key by a hidden rowid that counts up.
- On SQLite, submissions becomes a WITHOUT ROWID table for the same reason.
- replies.row was a sequence across every case (load order); replies are now
  numbered within their case (seq 1, 2, ... in the old order), keyed by their
  random id, and WITHOUT ROWID on SQLite.

Nothing is lost: every row is kept, only renumbered (tests/intake/test_migrations.py).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003_write_path"
down_revision = "0002"
branch_labels = None
depends_on = None

_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_CHUNKS_FILE_FK = "fk_chunks_file_id_stored_files"


def _random_id(taken: set[int]) -> int:
    while True:
        candidate = 1 + secrets.randbelow((1 << 63) - 1)
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def upgrade() -> None:
    """Add leases, renumber files and chunks at random, drop SQLite's hidden rowids."""
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    # SQLite: the caller turned foreign keys off for the migration (intake/migrate.py),
    # so rebuilding submissions cascades nothing and renumbering checks nothing until
    # the end, where foreign_key_check proves every reference whole again.
    with op.batch_alter_table(
        "submissions",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch:
        batch.add_column(sa.Column("lease_expires", sa.BigInteger(), nullable=True))
    connection.execute(
        sa.text("UPDATE submissions SET lease_expires = 0 WHERE state = 'staged'")
    )

    if not sqlite:
        op.drop_constraint(_CHUNKS_FILE_FK, "chunks", type_="foreignkey")
        op.alter_column("stored_files", "id", type_=sa.BigInteger(), server_default=None)
        op.execute("DROP SEQUENCE IF EXISTS stored_files_id_seq")
        op.alter_column("chunks", "file_id", type_=sa.BigInteger())
    op.add_column("chunks", sa.Column("id", sa.BigInteger(), nullable=True))

    old_files = connection.execute(sa.text("SELECT id FROM stored_files")).scalars().all()
    # Seeded with the old ids, so no new id lands on one not yet renumbered.
    file_ids: set[int] = set(old_files)
    for old in old_files:
        new = _random_id(file_ids)
        connection.execute(
            sa.text("UPDATE stored_files SET id = :new WHERE id = :old"), {"new": new, "old": old}
        )
        connection.execute(
            sa.text("UPDATE chunks SET file_id = :new WHERE file_id = :old"),
            {"new": new, "old": old},
        )
    chunk_ids: set[int] = set()
    chunks = connection.execute(sa.text("SELECT file_id, seq FROM chunks")).all()
    for file_id, seq in chunks:
        connection.execute(
            sa.text("UPDATE chunks SET id = :id WHERE file_id = :file_id AND seq = :seq"),
            {"id": _random_id(chunk_ids), "file_id": file_id, "seq": seq},
        )

    with op.batch_alter_table("chunks", recreate="always" if sqlite else "auto") as batch:
        batch.alter_column("id", existing_type=sa.BigInteger(), type_=_ROW_ID, nullable=False)
        batch.drop_constraint("pk_chunks", type_="primary")
        batch.create_primary_key("pk_chunks", ["id"])
        batch.create_unique_constraint("uq_chunks_file_id", ["file_id", "seq"])
    if not sqlite:
        op.create_foreign_key(
            _CHUNKS_FILE_FK, "chunks", "stored_files", ["file_id"], ["id"], ondelete="CASCADE"
        )
    _number_replies_per_case(connection, sqlite=sqlite)


def _number_replies_per_case(connection: sa.Connection, *, sqlite: bool) -> None:
    op.add_column("replies", sa.Column("seq", sa.Integer(), nullable=True))
    replies = connection.execute(
        sa.text('SELECT "row", submission_id FROM replies ORDER BY submission_id, "row"')
    ).all()
    last: dict[str, int] = {}
    for row, submission_id in replies:
        last[submission_id] = last.get(submission_id, 0) + 1
        connection.execute(
            sa.text('UPDATE replies SET seq = :seq WHERE "row" = :row'),
            {"seq": last[submission_id], "row": row},
        )
    with op.batch_alter_table(
        "replies",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch:
        batch.drop_constraint("uq_replies_id", type_="unique")
        batch.drop_constraint("pk_replies", type_="primary")
        batch.drop_column("row")
        batch.create_primary_key("pk_replies", ["id"])
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_replies_submission_id", ["submission_id", "seq"])


def downgrade() -> None:
    """Back to 0002's shape; ids stay as drawn (0002 reads them as plain integers)."""
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    with op.batch_alter_table(
        "replies",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_with_rowid": True},
    ) as batch:
        batch.drop_constraint("uq_replies_submission_id", type_="unique")
        batch.drop_constraint("pk_replies", type_="primary")
        batch.add_column(sa.Column("row", sa.Integer(), autoincrement=True, nullable=True))
    # Back in the order the reporter reads them, case by case.
    replies = connection.execute(
        sa.text("SELECT id FROM replies ORDER BY submission_id, seq")
    ).scalars().all()
    for number, reply_id in enumerate(replies, start=1):
        connection.execute(
            sa.text('UPDATE replies SET "row" = :row WHERE id = :id'),
            {"row": number, "id": reply_id},
        )
    with op.batch_alter_table("replies", recreate="always" if sqlite else "auto") as batch:
        batch.alter_column("row", existing_type=sa.Integer(), nullable=False)
        batch.create_primary_key("pk_replies", ["row"])
        batch.create_unique_constraint("uq_replies_id", ["id"])
        batch.drop_column("seq")
    with op.batch_alter_table("chunks", recreate="always" if sqlite else "auto") as batch:
        batch.drop_constraint("uq_chunks_file_id", type_="unique")
        batch.drop_constraint("pk_chunks", type_="primary")
        batch.create_primary_key("pk_chunks", ["file_id", "seq"])
        batch.drop_column("id")
    with op.batch_alter_table(
        "submissions",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_with_rowid": True},
    ) as batch:
        batch.drop_column("lease_expires")
