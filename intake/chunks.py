"""Ciphertext in and out of chunk rows: a file's writer cuts, its submission stores in batches."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from typing import Protocol

from sqlalchemy import Connection, Engine, select

from intake.models import Chunk

# 1 MiB of ciphertext per row: large enough to keep row overhead low, small enough
# that reading a file back holds only a few in memory.
CHUNK_SIZE = 1 << 20
# Chunks fetched by one query: a small file (most are one chunk) costs one round
# trip, and a large one holds at most this many chunks (4 MiB) in memory.
READ_BATCH_CHUNKS = 4


class ChunkStore(Protocol):
    """Where a file's chunks go: the staged submission, which writes them in batches."""

    def add_chunk(self, *, file_id: int, seq: int, data: bytes) -> None:
        """Queue one chunk of ciphertext (stored by the next batch or by publication)."""
        ...

    def complete_file(self, *, file_id: int, size: int) -> None:
        """Record that the file is whole, `size` bytes of ciphertext.

        The store records the ciphertext's SHA-256 too, of the chunks as it
        stores them: the staged submission hashes each batch on the thread that
        writes it, beside the request thread that reads, hashes and encrypts the
        plaintext (hashlib lets go of the GIL for large buffers).
        """
        ...


class ChunkWriter(io.RawIOBase):
    """A write-only file that cuts ciphertext into chunks of one stored file."""

    def __init__(self, store: ChunkStore, *, file_id: int, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__()
        self._store_to = store
        self._file_id = file_id
        self._chunk_size = chunk_size
        # The next chunk's pieces, joined once it is full: one copy of each byte into
        # its chunk, instead of a growing buffer copied out and shifted down per chunk.
        self._pieces: list[bytes | memoryview] = []
        self._pending = 0
        self._seq = 0
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a finished ChunkWriter")
        # Bytes cannot change under us and are kept as they are; anything else may be
        # the caller's buffer, reused once write() returns, so it is copied now.
        view = memoryview(data if isinstance(data, bytes) else bytes(data)).cast("B")
        written = len(view)
        while view:
            piece = view[: self._chunk_size - self._pending]
            self._pieces.append(piece)
            self._pending += len(piece)
            view = view[len(piece) :]
            if self._pending == self._chunk_size:
                self._store(self._take_pieces())
        return written

    def finish(self) -> None:
        """Queue what is buffered and record the file's ciphertext size."""
        # After close() (an aborted upload) the buffer is gone: recording a size and
        # digest now would mark an incomplete file as complete.
        if self.closed:
            raise ValueError("finish() on a closed ChunkWriter")
        if self._pending:
            self._store(self._take_pieces())
        self._store_to.complete_file(file_id=self._file_id, size=self._size)
        super().close()

    def close(self) -> None:
        # Closing without finish() (an aborted upload) must not mark the file complete;
        # the staged submission it belongs to is discarded by its owner.
        self._pieces.clear()
        self._pending = 0
        super().close()

    def _take_pieces(self) -> bytes:
        chunk = b"".join(self._pieces)
        self._pieces.clear()
        self._pending = 0
        return chunk

    def _store(self, chunk: bytes) -> None:
        self._store_to.add_chunk(file_id=self._file_id, seq=self._seq, data=chunk)
        self._seq += 1
        self._size += len(chunk)


def read_chunks(source: Engine | Connection, *, file_id: int) -> Iterator[bytes]:
    """Yield a stored file's ciphertext chunk by chunk, in order, up to the first gap.

    Given an engine, each batch checks a connection out of the pool (on
    PostgreSQL a ping before and a rollback after: three round trips); given a
    connection, as pickup does for a whole bundle, a batch is one round trip.
    """
    seq = 0
    while True:
        with nullcontext(source) if isinstance(source, Connection) else source.connect() as c:
            rows = c.execute(
                select(Chunk.seq, Chunk.data)
                .where(Chunk.file_id == file_id, Chunk.seq >= seq)
                .order_by(Chunk.seq)
                .limit(READ_BATCH_CHUNKS)
            ).all()
        for found, data in rows:
            if found != seq:
                return  # a missing chunk: the reader's size and digest checks say so
            yield data
            seq += 1
        if len(rows) < READ_BATCH_CHUNKS:
            return


def read_small_files(connection: Connection, file_ids: Sequence[int]) -> dict[int, list[bytes]]:
    """The chunks of several files in one query: each file's in order, up to its first gap.

    For files whose recorded sizes together are small (pickup keeps a batch to
    READ_BATCH_CHUNKS chunks' worth): many submissions' files in one round trip.
    """
    chunks: dict[int, list[bytes]] = {file_id: [] for file_id in file_ids}
    rows = connection.execute(
        select(Chunk.file_id, Chunk.seq, Chunk.data)
        .where(Chunk.file_id.in_(list(file_ids)))
        .order_by(Chunk.file_id, Chunk.seq)
    )
    for file_id, seq, data in rows:
        if seq == len(chunks[file_id]):  # past a gap nothing more is taken
            chunks[file_id].append(data)
    return chunks
