"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text

from intake.db import make_engine
from intake.migrate import upgrade_to_head
from intake.models import Base, Chunk, Reply, StoredFile, Submission


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    upgrade_to_head(engine)
    assert schema_differences(engine) == []
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    assert schema_differences(engine) == []
    engine.dispose()


# A database at 0002 as a running intake left it: a published report with an
# attachment of two chunks, a staged upload cut off, and a reply.
PUBLISHED_ID = "a" * 32
STAGED_ID = "b" * 32
REPLY_ID = "e" * 32
# Loaded second, though its id sorts first: the reporter must still read it second.
SECOND_REPLY_ID = "c" * 32
FILES_AT_0002 = [
    (1, STAGED_ID, "attachment-001.age", "attachment", None, None),
    (2, PUBLISHED_ID, "attachment-001.age", "attachment", 11, "1" * 64),
    (3, PUBLISHED_ID, "report.age", "report", 5, "2" * 64),
]
CHUNKS_AT_0002 = [(1, 0, b"cut off"), (2, 0, b"first "), (2, 1, b"half"), (3, 0, b"report")]


def fill_0002(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submissions (id, state, staged_day, received_day, receipt_lookup_id,"
                " reply_recipient) VALUES (:id, :state, '2031-05-17', :received, :lookup, :reply)"
            ),
            [
                {"id": PUBLISHED_ID, "state": "published", "received": "2031-05-17",
                 "lookup": "9" * 64, "reply": "age1reply"},
                {"id": STAGED_ID, "state": "staged", "received": None, "lookup": None,
                 "reply": None},
            ],
        )
        for row in FILES_AT_0002:
            connection.execute(
                text(
                    "INSERT INTO stored_files (id, submission_id, name, kind, size, sha256)"
                    " VALUES (:id, :submission, :name, :kind, :size, :sha)"
                ),
                dict(zip(("id", "submission", "name", "kind", "size", "sha"), row, strict=True)),
            )
        for file_id, seq, data in CHUNKS_AT_0002:
            connection.execute(
                text("INSERT INTO chunks (file_id, seq, data) VALUES (:f, :s, :d)"),
                {"f": file_id, "s": seq, "d": data},
            )
        connection.execute(
            text(
                "INSERT INTO replies (id, submission_id, loaded_day, data, hidden)"
                " VALUES (:id, :submission, '2031-05-18', :data, false)"
            ),
            [
                {"id": REPLY_ID, "submission": PUBLISHED_ID, "data": b"first reply"},
                {"id": SECOND_REPLY_ID, "submission": PUBLISHED_ID, "data": b"second reply"},
            ],
        )


def contents(engine: Engine) -> dict[str, object]:
    """Everything stored, keyed by what survives a renumbering."""
    with engine.connect() as connection:
        files = connection.execute(
            select(StoredFile.id, StoredFile.submission_id, StoredFile.name, StoredFile.size,
                   StoredFile.sha256)
        ).all()
        by_file = {
            (submission, name): (size, sha, [
                (seq, bytes(data)) for seq, data in connection.execute(
                    select(Chunk.seq, Chunk.data).where(Chunk.file_id == file_id)
                    .order_by(Chunk.seq)
                )
            ])
            for file_id, submission, name, size, sha in files
        }
        rows = connection.execute(
            select(Submission.id, Submission.state, Submission.receipt_lookup_id,
                   Submission.reply_recipient)
        ).all()
        replies = connection.execute(
            select(Reply.id, Reply.submission_id, Reply.data).order_by(Reply.seq)
        ).all()
    return {
        "submissions": sorted(tuple(row) for row in rows),
        "files": by_file,
        "replies": [(id_, submission, bytes(data)) for id_, submission, data in replies],
    }


def check_upgrade_keeps_everything(engine: Engine) -> None:
    upgrade_to_head(engine, revision="0002")
    fill_0002(engine)
    before = contents_0002(engine)
    upgrade_to_head(engine)
    assert schema_differences(engine) == []
    after = contents(engine)
    assert after == before
    with engine.connect() as connection:
        ids = connection.execute(select(StoredFile.id)).scalars().all()
        leases = dict(connection.execute(select(Submission.id, Submission.lease_expires)).all())
        chunk_ids = connection.execute(select(Chunk.id)).scalars().all()
    # Renumbered at random: none of the old sequence is left.
    assert not set(ids) & {1, 2, 3} and len(set(chunk_ids)) == len(CHUNKS_AT_0002)
    # The upload cut off before 0003 is collected at once; the published one has no lease.
    assert leases == {PUBLISHED_ID: None, STAGED_ID: 0}


def contents_0002(engine: Engine) -> dict[str, object]:
    """contents() read with 0002's columns (no lease, no chunk id)."""
    with engine.connect() as connection:
        files = connection.execute(
            text("SELECT id, submission_id, name, size, sha256 FROM stored_files")
        ).all()
        by_file = {
            (submission, name): (size, sha, [
                (seq, bytes(data)) for seq, data in connection.execute(
                    text("SELECT seq, data FROM chunks WHERE file_id = :f ORDER BY seq"),
                    {"f": file_id},
                )
            ])
            for file_id, submission, name, size, sha in files
        }
        rows = connection.execute(
            text("SELECT id, state, receipt_lookup_id, reply_recipient FROM submissions")
        ).all()
        replies = connection.execute(
            text('SELECT id, submission_id, data FROM replies ORDER BY "row"')
        ).all()
    return {
        "submissions": sorted(tuple(row) for row in rows),
        "files": by_file,
        "replies": [(id_, submission, bytes(data)) for id_, submission, data in replies],
    }


def test_sqlite_upgrade_from_0002_keeps_every_row(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    check_upgrade_keeps_everything(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_upgrade_from_0002_keeps_every_row(database_url: str) -> None:
    engine = make_engine(database_url)
    check_upgrade_keeps_everything(engine)
    engine.dispose()
