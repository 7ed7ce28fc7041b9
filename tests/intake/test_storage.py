"""Storage on SQLite: who takes the write lock, how long deletes hold it, what errors reveal."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from intake.chunks import ChunkWriter
from intake.db import make_engine, writing
from intake.leases import LeaseKeeper
from intake.migrate import upgrade_to_head
from intake.models import Chunk, Submission
from intake.staging import DELETE_BATCH_CHUNKS, StagedSubmission, delete_submission

SENTINEL = "c0ffee5e9d1e0ffe4a1b2c3d4e5f6071"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "intake.sqlite3"


@pytest.fixture
def engine(database: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{database}")
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def other_writer(database: Path) -> sqlite3.Connection:
    """A second process's connection that gives up at once instead of waiting."""
    return sqlite3.connect(database, timeout=0.05, isolation_level=None)


def test_a_reader_does_not_hold_the_write_lock(engine: Engine, database: Path) -> None:
    with engine.connect() as reader:
        reader.execute(select(func.count()).select_from(Submission)).scalar_one()
        assert reader.in_transaction()
        writer = other_writer(database)
        writer.execute("BEGIN IMMEDIATE")  # would raise "database is locked" otherwise
        writer.execute("ROLLBACK")
        writer.close()


def test_a_writer_takes_the_write_lock_at_begin(engine: Engine, database: Path) -> None:
    with writing(engine) as connection:
        assert connection.in_transaction()
        writer = other_writer(database)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.execute("BEGIN IMMEDIATE")
        writer.close()


def test_large_deletes_run_in_short_batches(engine: Engine) -> None:
    # Tiny chunks stand in for 1 MiB ones: the batching, not the bytes, is under test.
    staged = StagedSubmission(engine, leases=LeaseKeeper(engine), chunk_size=16)
    _, small = staged.open_attachment()
    chunk_count = DELETE_BATCH_CHUNKS * 3 + 5
    small.write(b"x" * 16 * chunk_count)
    small.finish()
    staged.flush()

    deleted: list[int] = []

    def count_chunk_deletes(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM CHUNKS"):
            deleted.append(cursor.rowcount)

    event.listen(engine, "after_cursor_execute", count_chunk_deletes)
    delete_submission(engine, submission_id=staged.id)
    event.remove(engine, "after_cursor_execute", count_chunk_deletes)
    # Every chunk went in a batch of its own transaction; none was left to one cascade.
    assert sum(deleted) == chunk_count
    assert max(deleted) == DELETE_BATCH_CHUNKS
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Chunk)).scalar_one() == 0


def test_database_errors_do_not_quote_bound_values(engine: Engine) -> None:
    row = {"id": SENTINEL, "state": "staged", "staged_day": text("'2031-05-17'")}
    with writing(engine) as connection:
        connection.execute(insert(Submission).values(**row))
    with pytest.raises(IntegrityError) as caught, writing(engine) as connection:
        connection.execute(insert(Submission).values(**row))
    assert SENTINEL not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_a_closed_chunk_writer_cannot_be_finished(engine: Engine) -> None:
    staged = StagedSubmission(engine, leases=LeaseKeeper(engine))
    _, chunks = staged.open_attachment()
    chunks.write(b"part of an aborted upload")
    chunks.close()
    with pytest.raises(ValueError, match="closed"):
        chunks.finish()



class CollectedChunks:
    """A ChunkStore that keeps what it is given."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.completed: int | None = None

    def add_chunk(self, *, file_id: int, seq: int, data: bytes) -> None:
        assert seq == len(self.chunks)
        self.chunks.append(bytes(data))

    def complete_file(self, *, file_id: int, size: int) -> None:
        self.completed = size


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 16 * 3, 16 * 3 + 5])
@pytest.mark.parametrize("piece", [1, 7, 16, 40])
def test_a_chunk_writer_cuts_what_it_is_given_into_whole_chunks(size: int, piece: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    store = CollectedChunks()
    writer = ChunkWriter(store, file_id=1, chunk_size=16)
    # One buffer, reused for every write as a caller may once write() has returned.
    buffer = bytearray(piece)
    for start in range(0, size, piece):
        part = data[start : start + piece]
        buffer[: len(part)] = part
        assert writer.write(memoryview(buffer)[: len(part)]) == len(part)
        buffer[:] = b"\xff" * piece
    writer.finish()
    assert b"".join(store.chunks) == data
    assert all(len(chunk) == 16 for chunk in store.chunks[:-1])
    assert 0 < len(store.chunks[-1]) <= 16 if data else store.chunks == []
    assert store.completed == size
