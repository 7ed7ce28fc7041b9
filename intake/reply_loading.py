"""Loading a reply bundle (docs/reply-bundle.md, "Loading a bundle"): all of it, or nothing.

The bundle came on a stick from elsewhere. Its signature is checked against
the trusted reviewers before a byte of the manifest is parsed, every reply
file is checked against the signed manifest, and the replies are stored (as
the ciphertext they are) with the signer's sequence in one transaction: a
refused bundle changes nothing. A bundle older than one already loaded still
loads if its documents are numbered (manifest version 2), and one of version 1
does not (intake/reply_sequences.py); one loaded before never does.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from contracts.replies import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    MAX_REPLIES,
    MAX_REPLY_FILE_BYTES,
    SIGNATURE_NAME,
)
from intake.db import writing
from intake.errors import ReplyBundleRefused
from intake.models import (
    PICKED_UP,
    PUBLISHED,
    ForgottenReply,
    LoadedReplyBundle,
    Reply,
    Submission,
)
from intake.reply_manifest import ReplyManifest, parse_reply_manifest
from intake.reply_sequences import record_loaded_sequence, refuse_loaded_sequence
from intake.trusted_reviewers import TrustedReviewer
from intake.ustar import BLOCK, UstarReader
from keys.errors import SignatureError
from keys.signing import REPLIES_NAMESPACE, VerifyingKey

# An armored Ed25519 SSHSIG is under 300 bytes; keys.signing refuses more than 4 KiB.
MAX_SIGNATURE_BYTES = 4096
# The largest bundle the contract allows: both first members, MAX_REPLIES replies of
# the largest size, each with its header and padding, and the end-of-archive blocks
# rounded up to tar's 10 KiB records. Anything larger is refused before it is read.
MAX_BUNDLE_BYTES = (
    2 * BLOCK
    + MAX_MANIFEST_BYTES
    + MAX_SIGNATURE_BYTES
    + MAX_REPLIES * (BLOCK + MAX_REPLY_FILE_BYTES)
    + 3 * 10240
)
AGE_MAGIC = b"age-encryption.org/v1\n"


@dataclass(frozen=True)
class LoadedBundle:
    """What loading a bundle did."""

    bundle_id: str
    signer: str
    replies: int
    # True when this bundle had been loaded before: nothing changed.
    already_loaded: bool


def load_reply_bundle(
    engine: Engine,
    path: Path,
    *,
    trusted: Sequence[TrustedReviewer],
    today: date,
    retention_days: int,
) -> LoadedBundle:
    """Verify and store every reply of the bundle at `path`, or raise ReplyBundleRefused.

    A bundle written `retention_days` ago or longer (the retention in force) is
    refused (_refuse_past_retention), whoever hands it over: the CLI and the
    courier alike.
    """
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        raise ReplyBundleRefused(f"cannot read {path}: {error.strerror}") from None
    with stream:
        _refuse_unbounded(stream)
        reader = UstarReader(stream)
        raw_manifest = _first_member(reader, MANIFEST_NAME, MAX_MANIFEST_BYTES)
        raw_signature = _first_member(reader, SIGNATURE_NAME, MAX_SIGNATURE_BYTES)
        key = _signing_reviewer(raw_manifest, raw_signature, trusted)
        # Only now, with the bytes known to come from a trusted reviewer, is JSON parsed.
        manifest = parse_reply_manifest(raw_manifest)
        if manifest.signer != key.fingerprint():
            raise ReplyBundleRefused(
                f"the manifest names {manifest.signer} as signer, but {key.fingerprint()} signed it"
            )
        _refuse_past_retention(manifest, today=today, retention_days=retention_days)
        with engine.connect() as connection:
            if _already_loaded(connection, manifest.bundle_id):
                return LoadedBundle(manifest.bundle_id, manifest.signer, 0, already_loaded=True)
            refuse_loaded_sequence(
                connection,
                signer=manifest.signer,
                sequence=manifest.sequence,
                in_order=not manifest.numbered,
            )
        ciphertexts = _reply_files(reader, manifest)
    _store(engine, manifest, ciphertexts, today=today)
    return LoadedBundle(
        manifest.bundle_id, manifest.signer, len(manifest.replies), already_loaded=False
    )


def _refuse_past_retention(manifest: ReplyManifest, *, today: date, retention_days: int) -> None:
    """Refuse a bundle written on or before the day retention purges replies loaded on.

    Retention forgets a purged reply's id, so a held-back copy of a bundle whose
    replies were loaded (from a `--again` copy) and purged would show them again.
    Any such copy was written no later than its replies were loaded, so its signed
    created_day is at or before purge's cutoff, as long as review's clock is not
    ahead of intake's (docs/reply-bundle.md, "Loading a bundle").
    """
    cutoff = today - timedelta(days=retention_days)
    if manifest.created_day <= cutoff:
        raise ReplyBundleRefused(
            f"the bundle was written on {manifest.created_day.isoformat()}, {retention_days} "
            "or more days ago: its replies may have been loaded and purged by retention "
            "already (send any still wanted again with `haven review replies --again`)"
        )


def _refuse_unbounded(stream: BinaryIO) -> None:
    status = os.fstat(stream.fileno())
    if not stat.S_ISREG(status.st_mode):
        raise ReplyBundleRefused("a reply bundle must be a regular file")
    if status.st_size > MAX_BUNDLE_BYTES:
        raise ReplyBundleRefused(
            f"the bundle is larger ({status.st_size} bytes) than any valid one "
            f"({MAX_BUNDLE_BYTES} bytes)"
        )


def _first_member(reader: UstarReader, name: str, limit: int) -> bytes:
    member = reader.next_member()
    if member is None or member.name != name:
        raise ReplyBundleRefused(
            f"the bundle does not start with {MANIFEST_NAME}, then {SIGNATURE_NAME}"
        )
    if member.size > limit:
        raise ReplyBundleRefused(f"{name} is larger than {limit} bytes")
    return reader.read_data(member)


def _signing_reviewer(
    manifest: bytes, signature: bytes, trusted: Sequence[TrustedReviewer]
) -> VerifyingKey:
    try:
        text = signature.decode("ascii")
    except UnicodeDecodeError:
        raise ReplyBundleRefused(f"{SIGNATURE_NAME} is not an armored signature") from None
    for reviewer in trusted:
        try:
            reviewer.key.verify(manifest, text, namespace=REPLIES_NAMESPACE)
        except SignatureError:
            continue
        return reviewer.key
    raise ReplyBundleRefused(
        "the manifest signature does not verify with any trusted reviewer key "
        "(unknown signer, another purpose, or altered data)"
    )


def _already_loaded(connection: Connection, bundle_id: str) -> bool:
    found = connection.execute(
        select(LoadedReplyBundle.bundle_id).where(LoadedReplyBundle.bundle_id == bundle_id)
    ).first()
    return found is not None


def _reply_files(reader: UstarReader, manifest: ReplyManifest) -> dict[str, bytes]:
    """Read every reply member, checked against the signed manifest; return them by reply id."""
    expected = {entry.file: entry for entry in manifest.replies}
    found: dict[str, bytes] = {}
    while (member := reader.next_member()) is not None:
        entry = expected.get(member.name)
        if entry is None or entry.id in found:
            raise ReplyBundleRefused(f"member {member.name} is not listed in the manifest")
        if member.size != entry.size or member.size > MAX_REPLY_FILE_BYTES:
            raise ReplyBundleRefused(f"{member.name} is not the size the manifest gives")
        data = reader.read_data(member)
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ReplyBundleRefused(f"{member.name} does not match its SHA-256 in the manifest")
        if not data.startswith(AGE_MAGIC):
            raise ReplyBundleRefused(f"{member.name} is not a binary age file")
        found[entry.id] = data
    missing = [entry.file for entry in manifest.replies if entry.id not in found]
    if missing:
        raise ReplyBundleRefused(f"the bundle lacks {missing[0]}, which the manifest lists")
    return found


def _store(
    engine: Engine, manifest: ReplyManifest, ciphertexts: dict[str, bytes], *, today: date
) -> None:
    try:
        with writing(engine) as connection:
            # Checked again inside the transaction: another load may have run meanwhile.
            if _already_loaded(connection, manifest.bundle_id):
                raise ReplyBundleRefused(f"bundle {manifest.bundle_id} was loaded meanwhile")
            refuse_loaded_sequence(
                connection,
                signer=manifest.signer,
                sequence=manifest.sequence,
                in_order=not manifest.numbered,
            )
            _refuse_unknown_cases(connection, manifest)
            _refuse_known_replies(connection, manifest)
            record_loaded_sequence(
                connection,
                signer=manifest.signer,
                sequence=manifest.sequence,
                in_order=not manifest.numbered,
            )
            connection.execute(insert(LoadedReplyBundle).values(bundle_id=manifest.bundle_id))
            if manifest.replies:
                last = _last_seq_of_cases(connection, manifest)
                rows = []
                for entry in manifest.replies:
                    last[entry.submission_id] = last.get(entry.submission_id, 0) + 1
                    rows.append(
                        {
                            "id": entry.id,
                            "submission_id": entry.submission_id,
                            "seq": last[entry.submission_id],
                            "loaded_day": today,
                            "data": ciphertexts[entry.id],
                            "hidden": False,
                        }
                    )
                connection.execute(insert(Reply), rows)
    except IntegrityError:
        # A concurrent load of the same bundle or signer won the race; ours rolled back.
        raise ReplyBundleRefused(
            "another load changed the same rows meanwhile; nothing stored"
        ) from None


def _last_seq_of_cases(connection: Connection, manifest: ReplyManifest) -> dict[str, int]:
    # Replies are numbered within their case only. Two loads for one case at once on
    # PostgreSQL would draw the same number: the unique constraint refuses the later.
    cases = sorted({entry.submission_id for entry in manifest.replies})
    last: dict[str, int] = {}
    for batch in _batches(cases):
        for case_id, seq in connection.execute(
            select(Reply.submission_id, func.max(Reply.seq))
            .where(Reply.submission_id.in_(batch))
            .group_by(Reply.submission_id)
        ):
            last[case_id] = seq
    return last


def _refuse_unknown_cases(connection: Connection, manifest: ReplyManifest) -> None:
    wanted = {entry.submission_id for entry in manifest.replies}
    held: set[str] = set()
    for batch in _batches(sorted(wanted)):
        held.update(
            connection.execute(
                select(Submission.id).where(
                    Submission.id.in_(batch),
                    Submission.state.in_([PUBLISHED, PICKED_UP]),
                    # Replies go to the case, whose first submission holds the recipient.
                    Submission.follows.is_(None),
                    Submission.reply_recipient.is_not(None),
                )
            ).scalars()
        )
    unknown = sorted(wanted - held)
    if unknown:
        raise ReplyBundleRefused(
            f"a reply is for submission {unknown[0]}, which intake does not hold "
            "(purged, a follow-up, or never received)"
        )


def _refuse_known_replies(connection: Connection, manifest: ReplyManifest) -> None:
    # Stored, or loaded once and deleted by retention since (ForgottenReply).
    for batch in _batches([entry.id for entry in manifest.replies]):
        known = connection.execute(
            select(Reply.id).where(Reply.id.in_(batch))
            .union_all(select(ForgottenReply.id).where(ForgottenReply.id.in_(batch)))
        ).first()  # fmt: skip
        if known is not None:
            raise ReplyBundleRefused(f"reply {known.id} was already loaded from another bundle")


def _batches(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    # Bounded IN lists: SQLite caps the number of bound parameters per statement.
    return [values[at : at + size] for at in range(0, len(values), size)]
