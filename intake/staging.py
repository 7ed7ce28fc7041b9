"""Staged submissions: ciphertext is written in a few batches unseen, then published in one commit.

A submission's rows are queued in memory (ciphertext only, bounded by
FLUSH_BYTES) and written by as few write transactions as its bytes need:

- nothing at all is written while the request body is still arriving unless
  the queued ciphertext reaches FLUSH_BYTES; then one transaction stores the
  batch (and, the first time, the staged submission row with its lease), on a
  thread of its own while the request reads on (intake/batch_writer.py), one
  batch in flight at most;
- publication is one transaction that stores whatever is still queued and
  makes the submission visible to pickup, once the batch in flight is stored,
  so a text-only report, or one with small files, is one write transaction in
  all.

A transaction is only ever opened on data already received: no write lock
ever waits on the network. Until publication every stored row belongs to a
`staged` submission whose lease its process renews (intake/leases.py); a
crash leaves only such rows, collected once the lease has run out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol, cast

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from contracts.pickup import ATTACHMENT, REPORT, REPORT_NAME, attachment_name
from intake.batch_writer import BatchWriter
from intake.chunks import CHUNK_SIZE, ChunkWriter
from intake.days import Today, utc_today
from intake.db import PAGE_SIZE_BYTES, WAL_AUTOCHECKPOINT_PAGES, checkpoint, writing
from intake.errors import CaseGone, PublicationError
from intake.models import (
    COLLECTING,
    PICKED_UP,
    PUBLISHED,
    STAGED,
    Chunk,
    StoredFile,
    Submission,
)

# Queued ciphertext is written once it reaches this much: few transactions for a
# large file, and a bound on the memory one upload holds (about twice this plus a
# chunk: one batch being stored while the next fills).
FLUSH_BYTES = 4 << 20
# An upload's batches, which do not checkpoint the log as they commit, have it
# checkpointed beside them after this much: as often as SQLite itself would (its
# 1,000 pages of 64 KiB).
CHECKPOINT_BYTES = WAL_AUTOCHECKPOINT_PAGES * PAGE_SIZE_BYTES
# A checkpoint beside the batches cannot let the log start over (the next batches
# go on lengthening it): past this many pages (512 MiB) the next one runs in line,
# before the upload's next batch, so that batch starts the log over.
LOG_GROWTH_PAGES = 8 * WAL_AUTOCHECKPOINT_PAGES
# Chunks deleted per transaction: with secure_delete each 1 MiB chunk is overwritten,
# so this bounds how long a purge holds the write lock other reporters wait on.
DELETE_BATCH_CHUNKS = 16
# A collector's claim on the rows it deletes: should it die part-way, another takes
# the claim over once this has passed.
CLAIM_SECONDS = 60


class Leases(Protocol):
    """What a staged submission needs of its process's lease keeper (intake/leases.py)."""

    def expiry(self) -> int:
        """The lease expiry to write now."""
        ...

    def hold(self, submission_id: str) -> None:
        """Keep the lease of `submission_id` renewed."""
        ...

    def release(self, submission_id: str) -> None:
        """Stop renewing it."""
        ...


# The statements every submission runs, built once: building, coercing and
# cache-keying a statement costs more than SQLite takes to run it, and a
# publication runs five. Values are bound per call.
_INSERT_SUBMISSION = insert(Submission)
_INSERT_FILES = insert(StoredFile)
_INSERT_CHUNKS = insert(Chunk)
_COMPLETE_FILE = (
    update(StoredFile)
    .where(StoredFile.id == bindparam("file_id"))
    .values(size=bindparam("file_size"), sha256=bindparam("file_sha256"))
)
# Renews the lease of a submission still staged: its rowcount says whether it was.
_RENEW_LEASE = (
    update(Submission)
    .where(Submission.id == bindparam("submission_id"), Submission.state == STAGED)
    .values(lease_expires=bindparam("expiry"))
)
_UNFINISHED_FILE = select(StoredFile.id).where(
    StoredFile.submission_id == bindparam("submission_id"), StoredFile.sha256.is_(None)
)
# Its SET clause is the columns its parameters name besides submission_id.
_PUBLISH = update(Submission).where(Submission.id == bindparam("submission_id"))
_CASE_HELD = select(Submission.id).where(
    Submission.id == bindparam("case_id"),
    Submission.state.in_([PUBLISHED, PICKED_UP]),
    Submission.follows.is_(None),
)


def random_row_id() -> int:
    """A positive 63-bit id drawn at random: it says nothing about time or order."""
    return 1 + secrets.randbelow((1 << 63) - 1)


@dataclass
class _QueuedFile:
    id: int
    name: str
    kind: str
    size: int | None = None
    sha256: str | None = None


@dataclass
class _Batch:
    """Rows taken off the queue together, to be written in one transaction."""

    new_files: list[_QueuedFile]
    chunks: list[dict[str, Any]]
    completed: list[_QueuedFile]


class StagedSubmission:
    """A submission being received: its files fill up, invisible to pickup until publish()."""

    def __init__(
        self,
        engine: Engine,
        *,
        leases: Leases,
        today: Today = utc_today,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self._engine = engine
        self._chunk_size = chunk_size
        self._leases = leases
        # 128 random bits: the id says nothing about time, order or content.
        self.id = secrets.token_hex(16)
        # The submission's one day, drawn once: it is the staged day, the received day
        # of the row and of the report document, so none can disagree across midnight.
        self.day = today()
        self._attachments = 0
        # Whether the staged row exists in the database (a batch was written). Set by
        # the batch writer's thread; read by this one only after waiting for it.
        self._stored = False
        self._lease_held = False
        self._writer = BatchWriter()
        self._new_files: list[_QueuedFile] = []
        self._completed: list[_QueuedFile] = []
        self._chunks: list[dict[str, Any]] = []
        self._queued_bytes = 0
        self._unchecked_bytes = 0
        # The log's length in pages at this upload's last checkpoint (set on its thread).
        self._log_pages = 0
        # Each unfinished file's SHA-256 of the ciphertext stored so far. Only the
        # thread storing a batch touches it, and batches are stored one at a time.
        self._digests: dict[int, hashlib._Hash] = {}

    def open_attachment(self) -> tuple[str, ChunkWriter]:
        """Start the next attachment file; return its stored name and its writer."""
        self._attachments += 1
        name = attachment_name(self._attachments)
        return name, self._open(name, kind=ATTACHMENT)

    def open_report(self) -> ChunkWriter:
        """Start the report file."""
        return self._open(REPORT_NAME, kind=REPORT)

    def _open(self, name: str, *, kind: str) -> ChunkWriter:
        queued = _QueuedFile(id=random_row_id(), name=name, kind=kind)
        self._new_files.append(queued)
        return ChunkWriter(self, file_id=queued.id, chunk_size=self._chunk_size)

    # The ChunkStore protocol of intake/chunks.py.

    def add_chunk(self, *, file_id: int, seq: int, data: bytes) -> None:
        """Queue a chunk; hand the batch to the batch writer once FLUSH_BYTES are queued.

        Waits for the batch before to be stored first, and raises what storing it
        raised (PublicationError, a database error): the upload fails here.
        """
        self._chunks.append({"id": random_row_id(), "file_id": file_id, "seq": seq, "data": data})
        self._queued_bytes += len(data)
        if self._queued_bytes >= FLUSH_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give what is queued to the batch writer, with the log's checkpoint when due."""
        self._unchecked_bytes += self._queued_bytes
        batch = self._take_queued()
        self._hold_lease()
        if self._unchecked_bytes < CHECKPOINT_BYTES:
            self._writer.start(lambda: self._store(batch))
            return
        self._unchecked_bytes = 0
        if self._log_pages > LOG_GROWTH_PAGES:
            self._writer.start(lambda: self._store_and_checkpoint(batch))
        else:
            # After this batch, on its thread, while the next ones are stored: the
            # checkpoint's fsyncs of the log and the database file are off their path.
            self._writer.start(lambda: self._store(batch), afterwards=self._checkpoint)

    def complete_file(self, *, file_id: int, size: int) -> None:
        """Record a finished file's ciphertext size (stored with its digest by the next batch)."""
        for queued in self._new_files:
            if queued.id == file_id:
                queued.size = size
                return
        self._completed.append(_QueuedFile(id=file_id, name="", kind="", size=size))

    def flush(self) -> None:
        """Write everything queued, staged and unseen, and return once it is stored."""
        batch = self._take_queued()
        self._writer.wait()
        self._hold_lease()
        self._store(batch)

    def _checkpoint(self) -> None:
        pages = checkpoint(self._engine)
        if pages is not None:
            self._log_pages = pages

    def _store_and_checkpoint(self, batch: _Batch) -> None:
        self._store(batch)
        if checkpoint(self._engine) is not None:
            # Done with no batch of ours after it: the next one starts the log over
            # (unless a reader held some of it, which the next checkpoint reports).
            self._log_pages = 0

    def _hold_lease(self) -> None:
        # Held before the row exists, so no renewal round can miss it.
        if not self._lease_held:
            self._leases.hold(self.id)
            self._lease_held = True

    def _store(self, batch: _Batch) -> None:
        """Write `batch` in one transaction, staged and unseen (on the batch writer's thread)."""
        self._digest(batch)
        # Not durable: until publication nothing depends on these rows, and a crash
        # of the machine that undoes some leaves a staged submission collected like
        # any other. Publication's durable commit makes every batch before it durable.
        with writing(self._engine, durable=False) as connection:
            if self._stored:
                self._renew_or_fail(connection)
            else:
                connection.execute(
                    _INSERT_SUBMISSION,
                    {
                        "id": self.id,
                        "state": STAGED,
                        "staged_day": self.day,
                        "lease_expires": self._leases.expiry(),
                    },
                )
            _write_batch(connection, self.id, batch)
        self._stored = True

    def publish(
        self,
        *,
        receipt_lookup_id: str | None,
        reply_recipient: str | None,
        follows: str | None = None,
        urgent: bool = False,
    ) -> None:
        """Write what is queued and make the submission visible to pickup, in one commit."""
        published = {
            "state": PUBLISHED,
            "received_day": self.day,
            "receipt_lookup_id": receipt_lookup_id,
            "reply_recipient": reply_recipient,
            "follows": follows,
            "urgent": urgent,
            "lease_expires": None,
        }
        # Every batch handed over is stored first, or its failure fails publication.
        self._writer.wait()
        last = self._take_queued()
        self._digest(last)
        with writing(self._engine) as connection:
            if follows is not None and not _case_held(connection, follows):
                # The case was purged while the reporter wrote: nothing becomes visible.
                raise CaseGone("the case this follow-up belongs to is no longer held")
            if self._stored:
                self._renew_or_fail(connection)
            else:
                connection.execute(
                    _INSERT_SUBMISSION, {"id": self.id, "staged_day": self.day, **published}
                )
            _write_batch(connection, self.id, last)
            unfinished = connection.execute(
                _UNFINISHED_FILE, {"submission_id": self.id}
            ).first()
            if unfinished is not None:
                raise PublicationError("a file of this submission was not finished")
            if self._stored:
                connection.execute(_PUBLISH, {"submission_id": self.id, **published})
        self._leases.release(self.id)
        self._stored = True

    def discard(self) -> None:
        """Delete everything staged so far (the upload failed or was refused)."""
        self._take_queued()
        # Deleting while a batch is still being stored could leave its rows behind.
        self._writer.abandon()
        if self._stored:
            delete_submission(self._engine, submission_id=self.id)
        self._leases.release(self.id)

    def _renew_or_fail(self, connection: Connection) -> None:
        # Renews the lease and proves, in the same transaction, that the rows are still
        # ours: a submission a collector claimed is never written to again.
        renewed = connection.execute(
            _RENEW_LEASE, {"submission_id": self.id, "expiry": self._leases.expiry()}
        ).rowcount
        if renewed != 1:
            raise PublicationError("the staged submission no longer exists")

    def _digest(self, batch: _Batch) -> None:
        """Hash the batch's chunks into their files' digests; fill in the files it finishes.

        Before the batch's transaction opens, so no write lock waits on hashing.
        The chunks of a file arrive in order, batch after batch, and a file is
        finished only in a batch holding or following its last chunk.
        """
        for chunk in batch.chunks:
            digest = self._digests.get(chunk["file_id"])
            if digest is None:
                digest = self._digests[chunk["file_id"]] = hashlib.sha256()
            digest.update(chunk["data"])
        for queued in (*batch.new_files, *batch.completed):
            if queued.size is not None:
                digest = self._digests.pop(queued.id, None) or hashlib.sha256()
                queued.sha256 = digest.hexdigest()

    def _take_queued(self) -> _Batch:
        # Taken off the queue as a whole: what is queued from now on (a file's
        # completion included) belongs to the next batch, never to one being stored.
        batch = _Batch(new_files=self._new_files, chunks=self._chunks, completed=self._completed)
        self._new_files, self._chunks, self._completed = [], [], []
        self._queued_bytes = 0
        return batch


def _write_batch(connection: Connection, submission_id: str, batch: _Batch) -> None:
    if batch.new_files:
        connection.execute(
            _INSERT_FILES,
            [
                {
                    "id": queued.id,
                    "submission_id": submission_id,
                    "name": queued.name,
                    "kind": queued.kind,
                    "size": queued.size,
                    "sha256": queued.sha256,
                }
                for queued in batch.new_files
            ],
        )
        # A file written unfinished gets its size and digest later, through
        # complete_file() and an update in a later batch.
    if batch.chunks:
        connection.execute(_INSERT_CHUNKS, batch.chunks)
    if batch.completed:
        connection.execute(
            _COMPLETE_FILE,
            [
                {"file_id": done.id, "file_size": done.size, "file_sha256": done.sha256}
                for done in batch.completed
            ],
        )


def _case_held(connection: Connection, case_id: str) -> bool:
    found = connection.execute(_CASE_HELD, {"case_id": case_id}).first()
    return found is not None


def delete_submission(engine: Engine, *, submission_id: str) -> None:
    """Delete a submission with its files and chunks, in short transactions."""
    with engine.connect() as connection:
        file_ids = (
            connection.execute(
                select(StoredFile.id).where(StoredFile.submission_id == submission_id)
            )
            .scalars()
            .all()
        )
    for file_id in file_ids:
        _delete_chunks(engine, file_id=file_id)
        with writing(engine) as connection:
            connection.execute(delete(StoredFile).where(StoredFile.id == file_id))
    with writing(engine) as connection:
        connection.execute(delete(Submission).where(Submission.id == submission_id))


def _delete_chunks(engine: Engine, *, file_id: int) -> None:
    # A few chunks per transaction, so a 1 GiB file never holds the write lock for long.
    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(Chunk.seq)).where(Chunk.file_id == file_id)
        ).scalar_one()
    if last is None:
        return
    for start in range(0, last + 1, DELETE_BATCH_CHUNKS):
        with writing(engine) as connection:
            connection.execute(
                delete(Chunk).where(
                    Chunk.file_id == file_id,
                    Chunk.seq >= start,
                    Chunk.seq < start + DELETE_BATCH_CHUNKS,
                )
            )


def collect_expired(engine: Engine, *, now: int, claim_seconds: int = CLAIM_SECONDS) -> int:
    """Delete staged submissions whose lease ran out (their upload died); return how many.

    Each is first claimed in its own transaction (state `collecting`, with a
    lease of the collector's): its owner, should it still be alive after all,
    then fails its next write instead of writing into rows being deleted, and a
    collector that dies part-way leaves a claim the next one takes over.
    """
    with engine.connect() as connection:
        expired = (
            connection.execute(
                select(Submission.id).where(
                    Submission.state.in_((STAGED, COLLECTING)), Submission.lease_expires < now
                )
            )
            .scalars()
            .all()
        )
    collected = 0
    for submission_id in expired:
        with writing(engine) as connection:
            claimed = connection.execute(
                update(Submission)
                .where(
                    Submission.id == submission_id,
                    Submission.state.in_((STAGED, COLLECTING)),
                    Submission.lease_expires < now,
                )
                .values(state=COLLECTING, lease_expires=now + claim_seconds)
            ).rowcount
        if claimed == 1:
            delete_submission(engine, submission_id=submission_id)
            collected += 1
    return collected


def as_binary_io(writer: ChunkWriter) -> BinaryIO:
    """View a ChunkWriter as the BinaryIO the age encryptor writes to."""
    return cast(BinaryIO, writer)
