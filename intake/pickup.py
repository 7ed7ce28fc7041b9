"""Pickup bundles (docs/pickup-bundle.md, version 3): new ciphertext out, signed, for review."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import tarfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, func, select, update

from contracts.pickup import FORMAT, MANIFEST_NAME, REPORT, SIGNATURE_NAME, VERSION, member_name
from intake.chunks import CHUNK_SIZE, READ_BATCH_CHUNKS, read_chunks, read_small_files
from intake.db import writing
from intake.delivery_claims import (
    SET_ASIDE,
    claim,
    holds,
    mark_all_delivered,
    new_delivery,
    release,
    unclaimed,
)
from intake.durable import fsync_directory, publish_without_replacing
from intake.errors import PickupError
from intake.models import PICKED_UP, PUBLISHED, SKIPPED, Base, StoredFile, Submission
from intake.pickup_lock import PickupLock, one_pickup_at_a_time
from keys.signing import PICKUP_NAMESPACE, SigningKey

# A damaged submission must not hold up the others for good.
_SKIP_ADVICE = "; `haven intake skip ID` sets it aside so the others can be picked up"


# Told (bytes written, bytes in all) as a bundle's members are written, from (0, total).
PickupProgress = Callable[[int, int], None]


class _VerifyingReader(io.RawIOBase):
    """Reads a stored file's chunks, failing if they differ from the digest recorded at intake."""

    def __init__(self, chunks: Iterator[bytes], *, size: int, sha256: str, name: str,
                 taken: Callable[[int], None] = lambda _: None) -> None:
        super().__init__()
        self._taken = taken
        self._name = name
        self._chunks = chunks
        self._pending = b""
        self._digest = hashlib.sha256()
        self._size = size
        self._sha256 = sha256
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._check()
                return 0
            self._digest.update(chunk)
            self._seen += len(chunk)
            if self._seen > self._size:
                # Extra stored bytes would otherwise be cut off by tar unnoticed.
                raise PickupError(
                    f"{self._name}: stored ciphertext is longer than its recorded size"
                    f"{_SKIP_ADVICE}"
                )
            self._pending = chunk
            self._taken(len(chunk))
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        if not self._pending and self._seen == self._size:
            self._check()
        return count

    def _check(self) -> None:
        if self._seen != self._size or self._digest.hexdigest() != self._sha256:
            raise PickupError(
                f"{self._name}: stored ciphertext does not match its recorded digest{_SKIP_ADVICE}"
            )


@dataclass(frozen=True)
class _Bundled:
    """What the bundle says of one submission: its manifest entry, less its files."""

    id: str
    received_day: date | None
    reply_recipient: str | None
    follows: str | None
    urgent: bool


@dataclass(frozen=True)
class _BundledFile:
    """One stored file of a bundled submission, as the manifest lists it."""

    id: int
    submission_id: str
    name: str
    kind: str
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class PickedUp:
    """How many submissions a pickup bundle holds, and how many of them are urgent."""

    submissions: int
    urgent: int


@dataclass(frozen=True)
class Waiting:
    """Published submissions not yet picked up, and how many of them are urgent."""

    submissions: int
    urgent: int


def waiting_for_pickup(engine: Engine) -> Waiting:
    """Count the submissions the next pickup would take; only the urgent flag is read."""
    with engine.connect() as connection:
        total, urgent = connection.execute(
            select(func.count(), func.count().filter(Submission.urgent.is_(True))).where(
                Submission.state == PUBLISHED
            )
        ).one()
    return Waiting(submissions=int(total), urgent=int(urgent))


def write_pickup_bundle(
    engine: Engine,
    out: Path,
    *,
    today: date,
    signing_key: SigningKey,
    again: Sequence[str] = (),
    urgent_only: bool = False,
    delivery: str | None = None,
    clock: Callable[[], float] = time.time,
    progress: PickupProgress | None = None,
) -> PickedUp:
    """Write every published submission into a new signed bundle at `out`; say how many.

    Urgent submissions come first in the bundle; with `urgent_only`, the bundle
    holds only those, for a quick run to review while the others wait. With
    `again`, the bundle holds exactly those submissions instead, picked up or
    skipped before: review could not import them, and the operator sends them again.
    `progress` hears how much of the submissions' ciphertext is written.

    Pickups of one database run one at a time (intake/pickup_lock.py): one that
    starts while another runs waits for it, then bundles only what is left. The
    submissions are claimed for the bundle's delivery (intake/delivery_claims.py)
    and marked picked up once it is written; with `delivery`, they stay claimed
    for it instead, and the caller marks them (mark_delivered) once the bundle
    was delivered, or releases them: the courier endpoint, whose download may be
    cut short. Until then other pickups leave them out.

    A pickup publishes only what it still holds alone: if its lock was lost
    meanwhile (a PostgreSQL session ended), nothing is published; if another
    pickup took any of its submissions before they were marked, the bundle is
    removed again and nothing is marked. Either way PickupError says so.
    """
    own = delivery if delivery is not None else new_delivery()
    with one_pickup_at_a_time(engine) as lock:
        try:
            picked, ids = _write_pickup_bundle(
                engine, out, today=today, signing_key=signing_key, again=again,
                urgent_only=urgent_only, delivery=own, delivered_later=delivery is not None,
                now=int(clock()), progress=progress, lock=lock,
            )  # fmt: skip
        except BaseException:
            # Nothing was written: what this pickup claimed is free for the next one.
            release(engine, own)
            raise
        if (
            delivery is None
            and picked.submissions
            and not mark_all_delivered(engine, own, ids, today=today)
        ):
            # Its lock went in the last instant: another pickup carries some of them.
            out.unlink(missing_ok=True)
            fsync_directory(out.parent)
            release(engine, own)
            raise PickupError(_LOCK_LOST.format(out=out))
    return picked


_LOCK_LOST = (
    "{out} was not written: this pickup lost its lock on the database while writing "
    "(its session ended), and another pickup may have taken its submissions; "
    "run the pickup again"
)


def _write_pickup_bundle(
    engine: Engine,
    out: Path,
    *,
    today: date,
    signing_key: SigningKey,
    again: Sequence[str],
    urgent_only: bool,
    delivery: str,
    delivered_later: bool,
    now: int,
    progress: PickupProgress | None,
    lock: PickupLock,
) -> tuple[PickedUp, list[str]]:
    """The bundle written, and the ids of the submissions in it."""
    if again:
        _check_again(engine, again, now=now)
        wanted: tuple[ColumnElement[bool], ...] = (
            Submission.id.in_(set(again)), Submission.state.in_(PICKED_UP_BEFORE)
        )  # fmt: skip
    elif urgent_only:
        wanted = (Submission.state == PUBLISHED, Submission.urgent.is_(True))
    else:
        wanted = (Submission.state == PUBLISHED,)
    # Claimed first, then read by their claim: one skipped in between is in neither.
    with writing(engine) as connection:
        claim(connection, delivery, *wanted, now=now, outlives_lock=delivered_later)
    submissions, files = _selected(engine, holds(delivery))
    if not submissions:
        return PickedUp(submissions=0, urgent=0), []
    urgent = sum(1 for s in submissions if s.urgent)
    manifest = _encode(_manifest(submissions, files, today=today))
    signature = signing_key.sign(manifest, namespace=PICKUP_NAMESPACE).encode("ascii")
    if out.exists():
        raise PickupError(f"{out} already exists")
    partial = out.with_name(out.name + ".partial")
    try:
        # O_EXCL: two pickups never write the same bundle at once.
        raw = open(partial, "xb")  # noqa: SIM115 - closed below, before the link
    except FileExistsError:
        raise PickupError(
            f"{partial} exists: another pickup is writing it (or one died; then remove it)"
        ) from None
    except OSError as error:
        raise PickupError(f"cannot create {partial}: {error.strerror}") from None
    # From here on the partial file is ours, and only ours is ever removed.
    try:
        with raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
                _add(tar, MANIFEST_NAME, io.BytesIO(manifest), len(manifest))
                _add(tar, SIGNATURE_NAME, io.BytesIO(signature), len(signature))
                _add_submissions(tar, engine, submissions, files, progress)
            # Synced after tar.close() wrote the end-of-archive blocks: the whole bundle.
            raw.flush()
            os.fsync(raw.fileno())
        if not lock.held():
            # Another pickup may be bundling the same submissions now: publish nothing.
            raise PickupError(_LOCK_LOST.format(out=out))
        publish_without_replacing(partial, out)
        # The new name must be durable too before submissions count as picked up.
        fsync_directory(out.parent)
    except FileExistsError:
        raise PickupError(f"{out} already exists") from None
    except OSError as error:
        raise PickupError(f"cannot write {out}: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    picked = PickedUp(submissions=len(submissions), urgent=urgent)
    return picked, [submission.id for submission in submissions]


# The states a submission sent again may be in.
PICKED_UP_BEFORE = (PICKED_UP, SKIPPED)


def _add_submissions(
    tar: tarfile.TarFile,
    engine: Engine,
    submissions: list[_Bundled],
    files: dict[str, list[_BundledFile]],
    progress: PickupProgress | None = None,
) -> None:
    total = sum(stored.size or 0 for listed in files.values() for stored in listed)
    written = 0

    def taken(count: int) -> None:
        nonlocal written
        written += count
        if progress is not None:
            progress(written, total)

    if progress is not None:
        progress(0, total)
    # One connection for the bundle: on PostgreSQL a pool checkout per file would
    # cost two more round trips each (the ping and the rollback). It reads in one
    # transaction; on SQLite (WAL) that never blocks a writer, though the WAL is
    # only checkpointed past it once the bundle is written.
    with engine.connect() as connection:
        for batch in _read_batches(submissions, files):
            # A large file's run fetches nothing ahead: read_chunks reads it in batches.
            small = [stored.id for _, stored in batch if (stored.size or 0) <= _BATCH_BYTES]
            fetched = read_small_files(connection, small) if small else {}
            for submission, stored in batch:
                assert stored.size is not None and stored.sha256 is not None
                if stored.size <= _BATCH_BYTES:
                    chunks: Iterator[bytes] = iter(fetched[stored.id])
                else:
                    chunks = read_chunks(connection, file_id=stored.id)
                reader = _VerifyingReader(
                    chunks,
                    size=stored.size,
                    sha256=stored.sha256,
                    name=member_name(submission.id, stored.name),
                    taken=taken,
                )
                name = member_name(submission.id, stored.name)
                _add(tar, name, io.BufferedReader(reader), stored.size)


# Small files are fetched together up to this much recorded ciphertext a query: a
# thousand small submissions in a few round trips, and a bound on what is held.
_BATCH_BYTES = READ_BATCH_CHUNKS * CHUNK_SIZE


def _read_batches(
    submissions: list[_Bundled], files: dict[str, list[_BundledFile]]
) -> Iterator[list[tuple[_Bundled, _BundledFile]]]:
    """The bundle's files in order, in runs of small files of at most _BATCH_BYTES in all;
    a larger file is a run of its own."""
    batch: list[tuple[_Bundled, _BundledFile]] = []
    size = 0
    for submission in submissions:
        for stored in files[submission.id]:
            large = (stored.size or 0) > _BATCH_BYTES
            if batch and (large or size + (stored.size or 0) > _BATCH_BYTES):
                yield batch
                batch, size = [], 0
            if large:
                yield [(submission, stored)]
                continue
            batch.append((submission, stored))
            size += stored.size or 0
    if batch:
        yield batch


def _check_again(engine: Engine, ids: Sequence[str], *, now: int) -> None:
    """Refuse unless every id is a submission picked up or skipped before, and not on its way."""
    wanted = set(ids)
    with engine.connect() as connection:
        found = set(
            connection.scalars(
                select(Submission.id).where(
                    Submission.id.in_(wanted),
                    Submission.state.in_(PICKED_UP_BEFORE),
                    unclaimed(now),
                )
            )
        )
    missing = sorted(wanted - found)
    if missing:
        # Staged ones are not whole yet; published ones go in the next plain pickup.
        raise PickupError(
            f"submission {missing[0]} is not one picked up or skipped before "
            "(unknown, purged, not yet picked up, or in a bundle on its way to a courier)"
        )


def _selected(
    engine: Engine, *where: ColumnElement[bool]
) -> tuple[list[_Bundled], dict[str, list[_BundledFile]]]:
    with engine.connect() as connection:
        submissions = [
            _Bundled(**row._mapping)
            for row in connection.execute(
                select(*_columns(Submission, _Bundled))
                .where(*where)
                # Urgent first: a reviewer importing a long bundle meets them first.
                .order_by(Submission.urgent.desc(), Submission.id)
            )
        ]
        files: dict[str, list[_BundledFile]] = {s.id: [] for s in submissions}
        # By id, not by state: under READ COMMITTED a submission published between
        # the two queries would otherwise bring files without an entry.
        for row in connection.execute(
            select(*_columns(StoredFile, _BundledFile)).where(
                StoredFile.submission_id.in_(list(files))
            )
        ):
            files[row.submission_id].append(_BundledFile(**row._mapping))
    for stored_files in files.values():
        # report.age first, then attachments in number order.
        stored_files.sort(key=lambda f: (f.kind != REPORT, f.name))
    return submissions, files


def _columns(table: type[Base], bundled: type[Any]) -> list[ColumnElement[Any]]:
    """The columns of `table` that the dataclass `bundled` has fields for, and no others."""
    return [table.__table__.c[field.name] for field in fields(bundled)]


def _manifest(
    submissions: list[_Bundled], files: dict[str, list[_BundledFile]], *, today: date
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "bundle_id": secrets.token_hex(16),
        "created_day": today.isoformat(),
        "submissions": [
            {
                "id": submission.id,
                "received_day": submission.received_day.isoformat()
                if submission.received_day
                else None,
                "reply_recipient": submission.reply_recipient,
                # A follow-up names its case's first submission; a first report, null.
                "follows": submission.follows,
                # Signed with the rest, so review can raise the case's priority on
                # import without decrypting (docs/pickup-bundle.md, version 4).
                "urgent": bool(submission.urgent),
                "files": [
                    {"name": f.name, "kind": f.kind, "size": f.size, "sha256": f.sha256}
                    for f in files[submission.id]
                ],
            }
            for submission in submissions
        ],
    }


def _encode(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")


def _add(tar: tarfile.TarFile, name: str, fileobj: io.BufferedIOBase, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    # No owner, no time: the bundle carries days only, in the manifest.
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, fileobj)


def skip_submission(engine: Engine, submission_id: str, *, today: date) -> None:
    """Mark a published or picked-up submission as never to be picked up again.

    For one that intake cannot bundle (its stored ciphertext fails its digest) or
    review cannot import: it no longer holds up the others, and retention deletes
    it like any picked-up submission. `write_pickup_bundle(again=...)` undoes this.
    """
    with writing(engine) as connection:
        changed = connection.execute(
            update(Submission)
            .where(Submission.id == submission_id, Submission.state.in_((PUBLISHED, PICKED_UP)))
            # Out of any delivery under way, so its completion leaves it skipped; the
            # claim's mark stays (SET_ASIDE), so that delivery can tell this skip
            # from another pickup taking it meanwhile (intake/delivery_claims.py).
            .values(
                state=SKIPPED,
                picked_up_day=today,
                urgent=False,
                delivery_expires=case((Submission.delivery.is_(None), None), else_=SET_ASIDE),
            )
        ).rowcount
    if changed != 1:
        raise PickupError(
            f"submission {submission_id} is not published or picked up "
            "(unknown, purged, still staged, or skipped already)"
        )
