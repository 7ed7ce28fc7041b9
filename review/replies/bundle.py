"""Writing the replies not yet sent as one signed reply bundle (docs/reply-bundle.md).

Every reply is encrypted to its reporter's own reply key, so whoever carries
the bundle cannot read it; the manifest, which lists every file's size and
hash, is signed with the sending reviewer's key, so nobody can forge or
change one. The file appears under its name only when whole and on disk, and
the replies count as sent only once it does: a crash leaves either nothing
sent (and a temporary file beside the target) or a durable bundle whose
replies are marked sent.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import keys
from contracts.replies import MANIFEST_NAME, MAX_REPLY_FILE_BYTES, SIGNATURE_NAME
from keys.signing import REPLIES_NAMESPACE, SigningKey
from review.clock import WallClock, utc_now
from review.errors import ReplyError
from review.replies.manifest import ReplyEntry, ReplyManifest, parse_reply_manifest, reply_document
from review.replies.record import unseal_reply
from review.replies.writing import reply_recipient
from review.workspace import audit
from review.workspace.models import Reply, ReplyBundle
from review.workspace.store import Workspace

BUNDLE_ID_BYTES = 16
# Members are written like intake's own bundles: owner-only, no owner names, time 0.
_MEMBER_MODE = 0o600


@dataclass(frozen=True)
class SentBundle:
    """What `write_reply_bundle` sent."""

    bundle_id: str
    sequence: int
    signer: str
    replies: int
    # Replies waiting that this reviewer could not read (sealed before they joined).
    left_unreadable: int


def write_reply_bundle(
    workspace: Workspace,
    out: Path,
    *,
    reviewer: str,
    identities: Sequence[keys.Identity],
    signing_key: SigningKey,
    only_by: str | None = None,
    again: str | None = None,
    clock: WallClock = utc_now,
) -> SentBundle:
    """Encrypt every reply not yet sent (only `only_by`'s, if given) into a bundle at `out`.

    With `again`, the replies that bundle carried instead: for a bundle intake
    refused or never got (lost, or held back past intake's window). They go under
    their own ids, so intake loads them once whichever of the two bundles arrives
    first, and refuses the other.
    """
    if out.exists() or out.is_symlink():
        raise ReplyError(f"{out} exists; a reply bundle never replaces a file")
    signer = signing_key.public_key().fingerprint()
    day = clock().date().isoformat()
    with workspace.sessions() as session:
        if again is not None and session.get(ReplyBundle, again) is None:
            raise ReplyError(f"no reply bundle {again} was written from this workspace")
        pending, unreadable, files = _encrypt_pending(session, identities, only_by, again)
        sequence = _last_sequence(session, signer) + 1
    if not pending and again is not None:
        raise ReplyError(f"bundle {again} carries no reply you can send again" + (
            f" ({unreadable} were sealed before you joined)" if unreadable else ""))
    if not pending:
        raise ReplyError("no reply is waiting to be sent" + (
            f" ({unreadable} were sealed before you joined; a reviewer who can read them "
            "must unlock first)" if unreadable else ""))
    manifest = ReplyManifest(secrets.token_hex(BUNDLE_ID_BYTES), day, signer, sequence,
                             tuple(entry for entry, _ in files))
    manifest_bytes = manifest.to_json()
    # What leaves is checked against the contract first, by review's own reader of it.
    parse_reply_manifest(manifest_bytes)
    signature = signing_key.sign(manifest_bytes, namespace=REPLIES_NAMESPACE).encode("ascii")
    _publish(out, [(MANIFEST_NAME, manifest_bytes), (SIGNATURE_NAME, signature),
                   *((entry.file, data) for entry, data in files)])
    try:
        _mark_sent(workspace, manifest, pending, reviewer=reviewer, again=again, clock=clock)
    except BaseException:
        # Not recorded as sent, so not to be carried: the next run writes them again.
        out.unlink(missing_ok=True)
        raise
    return SentBundle(manifest.bundle_id, sequence, signer, len(pending), unreadable)


def _encrypt_pending(
    session: Session, identities: Sequence[keys.Identity], only_by: str | None,
    again: str | None
) -> tuple[list[str], int, list[tuple[ReplyEntry, bytes]]]:
    carried = Reply.bundle_id.is_(None) if again is None else Reply.bundle_id == again
    query = select(Reply).where(carried).order_by(Reply.written_day, Reply.number)
    if only_by is not None:
        query = query.where(Reply.author == only_by)
    pending: list[str] = []
    files: list[tuple[ReplyEntry, bytes]] = []
    unreadable = 0
    for reply in session.scalars(query):
        try:
            content = unseal_reply(reply.sealed, identities=identities)
        except keys.NoIdentityMatchError:
            unreadable += 1
            continue
        document = reply_document(reply_id=reply.id, submission_id=reply.case_id,
                                  written_day=reply.written_day,
                                  number=_place_in_case(session, reply),
                                  status=content.status, text=content.text)
        # To the reporter's key alone: no reviewer, and not intake, can read it once sent.
        data = keys.encrypt(document, recipients=[reply_recipient(session, reply.case_id)])
        if len(data) > MAX_REPLY_FILE_BYTES:
            raise ReplyError(f"reply {reply.id} would be larger than {MAX_REPLY_FILE_BYTES} bytes")
        files.append((ReplyEntry(reply.id, reply.case_id, len(data),
                                 hashlib.sha256(data).hexdigest()), data))
        pending.append(reply.id)
    return pending, unreadable, files


def _place_in_case(session: Session, reply: Reply) -> int:
    """The reply's place among its case's replies, in the order they were written.

    Signed into the document, it is what orders the replies the reporter reads and
    decides the case's current status, so the order bundles reach intake does not.
    Counted within the case: the workspace-wide number would tell the reporter, and
    whoever holds their code, how many replies the team wrote to other people. A
    case's replies are only ever removed with it, so the place never changes.
    """
    return session.scalar(select(func.count()).select_from(Reply).where(
        Reply.case_id == reply.case_id, Reply.number <= reply.number)) or 0


def _last_sequence(session: Session, signer: str) -> int:
    return session.scalar(
        select(func.max(ReplyBundle.sequence)).where(ReplyBundle.signer == signer)) or 0


def _publish(out: Path, members: list[tuple[str, bytes]]) -> None:
    """Write the tar under a temporary name beside `out`, sync it, and link it into place.

    os.link fails if `out` appeared meanwhile, so an existing file is never replaced.
    """
    partial = out.with_name(f".{out.name}.{secrets.token_hex(8)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w", format=tarfile.USTAR_FORMAT) as archive:
                for name, data in members:
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    info.mode = _MEMBER_MODE
                    archive.addfile(info, io.BytesIO(data))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, out)
        except FileExistsError:
            raise ReplyError(f"{out} appeared while the bundle was written; it was kept") from None
    finally:
        partial.unlink(missing_ok=True)
    directory = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _mark_sent(workspace: Workspace, manifest: ReplyManifest, pending: list[str], *,
               reviewer: str, again: str | None, clock: WallClock) -> None:
    with workspace.transaction() as session:
        # Another `replies` may have run since these were read: then this bundle is void.
        if _last_sequence(session, manifest.signer) >= manifest.sequence:
            raise ReplyError("another reply bundle was written meanwhile; run again")
        rows = list(session.scalars(select(Reply).where(Reply.id.in_(pending))))
        if len(rows) != len(pending) or any(r.bundle_id != again for r in rows):
            raise ReplyError("these replies changed while the bundle was written; run again")
        session.add(ReplyBundle(id=manifest.bundle_id, created_day=manifest.created_day,
                                reviewer=reviewer, signer=manifest.signer,
                                sequence=manifest.sequence))
        session.flush()
        for row in rows:
            row.bundle_id = manifest.bundle_id
        # A reply sent again now counts as sent by this bundle; the audit log keeps both.
        facts = {"bundle": manifest.bundle_id, "signer": manifest.signer,
                 "sequence": str(manifest.sequence), "replies": str(len(rows))}
        if again is not None:
            facts["again"] = again
        audit.append(session, actor=reviewer, action="replies",
                     subject=f"reply-bundle:{manifest.bundle_id}",
                     detail=f"{len(rows)} replies sent"
                            + (f" again (first in bundle {again})" if again else "")
                            + f", sequence {manifest.sequence}, signed by "
                            f"{manifest.signer}: {' '.join(pending)}",
                     facts=facts, clock=clock)
