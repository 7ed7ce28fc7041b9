"""Staged submissions: ciphertext accumulates unseen, then is published in one commit."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import BinaryIO, cast

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from contracts.pickup import ATTACHMENT, REPORT, REPORT_NAME, attachment_name
from intake.chunks import ChunkWriter
from intake.days import Today, utc_today
from intake.db import writing
from intake.errors import CaseGone, PublicationError
from intake.models import PICKED_UP, PUBLISHED, STAGED, Chunk, StoredFile, Submission

# Chunks deleted per transaction: with secure_delete each 1 MiB chunk is overwritten,
# so this bounds how long a purge holds the write lock other reporters wait on.
DELETE_BATCH_CHUNKS = 16
# A staged submission this many days old belongs to an upload that died.
STALE_AFTER_DAYS = 2


class StagedSubmission:
    """A submission being received: its files fill up, invisible to pickup until publish()."""

    def __init__(self, engine: Engine, *, today: Today = utc_today) -> None:
        self._engine = engine
        # 128 random bits: the id says nothing about time, order or content.
        self.id = secrets.token_hex(16)
        # The submission's one day, drawn once: it is the staged day, the received day
        # of the row and of the report document, so none can disagree across midnight.
        self.day = today()
        self._attachments = 0
        with writing(engine) as connection:
            connection.execute(
                insert(Submission).values(id=self.id, state=STAGED, staged_day=self.day)
            )

    def open_attachment(self) -> tuple[str, ChunkWriter]:
        """Start the next attachment file; return its stored name and its writer."""
        self._attachments += 1
        name = attachment_name(self._attachments)
        return name, self._open(name, kind=ATTACHMENT)

    def open_report(self) -> ChunkWriter:
        """Start the report file."""
        return self._open(REPORT_NAME, kind=REPORT)

    def _open(self, name: str, *, kind: str) -> ChunkWriter:
        with writing(self._engine) as connection:
            file_id = connection.execute(
                insert(StoredFile)
                .values(submission_id=self.id, name=name, kind=kind)
                .returning(StoredFile.id)
            ).scalar_one()
        return ChunkWriter(self._engine, file_id=file_id)

    def publish(
        self,
        *,
        receipt_lookup_id: str | None,
        reply_recipient: str | None,
        follows: str | None = None,
        urgent: bool = False,
    ) -> None:
        """Make the submission visible to pickup, with its receipt or its case, in one commit."""
        with writing(self._engine) as connection:
            if follows is not None and not _case_held(connection, follows):
                # The case was purged while the reporter wrote: nothing becomes visible.
                raise CaseGone("the case this follow-up belongs to is no longer held")
            unfinished = connection.execute(
                select(StoredFile.id).where(
                    StoredFile.submission_id == self.id, StoredFile.sha256.is_(None)
                )
            ).first()
            if unfinished is not None:
                raise PublicationError("a file of this submission was not finished")
            published = connection.execute(
                update(Submission)
                .where(Submission.id == self.id, Submission.state == STAGED)
                .values(
                    state=PUBLISHED,
                    received_day=self.day,
                    receipt_lookup_id=receipt_lookup_id,
                    reply_recipient=reply_recipient,
                    follows=follows,
                    urgent=urgent,
                )
            ).rowcount
            if published != 1:
                raise PublicationError("the staged submission no longer exists")

    def discard(self) -> None:
        """Delete everything staged so far (the upload failed or was refused)."""
        delete_submission(self._engine, submission_id=self.id)


def _case_held(connection: Connection, case_id: str) -> bool:
    found = connection.execute(
        select(Submission.id).where(
            Submission.id == case_id,
            Submission.state.in_([PUBLISHED, PICKED_UP]),
            Submission.follows.is_(None),
        )
    ).first()
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


def collect_stale(engine: Engine, *, today: date) -> int:
    """Delete staged submissions left by dead uploads; return how many."""
    cutoff = today - timedelta(days=STALE_AFTER_DAYS)
    with engine.connect() as connection:
        stale = (
            connection.execute(
                select(Submission.id).where(
                    Submission.state == STAGED, Submission.staged_day <= cutoff
                )
            )
            .scalars()
            .all()
        )
    for submission_id in stale:
        delete_submission(engine, submission_id=submission_id)
    return len(stale)


def as_binary_io(writer: ChunkWriter) -> BinaryIO:
    """View a ChunkWriter as the BinaryIO the age encryptor writes to."""
    return cast(BinaryIO, writer)
