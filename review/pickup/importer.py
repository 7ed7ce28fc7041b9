"""Importing a verified pickup bundle into a workspace, all or nothing, idempotently.

Crash safety: staged files are moved into the object store, their bytes and
the renames are flushed to disk (one sync), and only then does the database
transaction commit. A crash before the commit leaves at most
staged files and objects no row refers to; the next import (holding the
workspace's import lock, so no other import is half-way) clears both first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review.errors import BundleError
from review.pickup.manifest import SkippedSubmission, SubmissionEntry
from review.pickup.reader import (
    DEFAULT_LIMITS,
    FreeSpace,
    Limits,
    Progress,
    StagedBundle,
    Total,
    free_space,
    stage_bundle,
)
from review.triage.record import PRIORITIES
from review.workspace import audit
from review.workspace.models import Bundle, RemovedSubmission, StoredFile, Submission, Triage
from review.workspace.store import Workspace

# The top priority a reviewer can set: an urgent case starts there, not just flagged.
URGENT_PRIORITY = max(PRIORITIES)


@dataclass(frozen=True)
class ImportResult:
    """What an import changed."""

    bundle_id: str
    added: int
    already_present: int
    # Submissions a reviewer removed earlier: never brought back by an import.
    removed_earlier: int = 0
    # Submissions this bundle brought that review cannot take; the rest were imported.
    skipped: tuple[SkippedSubmission, ...] = ()


def import_bundle(
    workspace: Workspace,
    bundle: Path,
    *,
    actor: str,
    limits: Limits = DEFAULT_LIMITS,
    free: FreeSpace = free_space,
    progress: Progress | None = None,
    total: Total | None = None,
) -> ImportResult:
    """Verify `bundle` whole, then record its new submissions in one transaction.

    `progress` and `total` report the verification's bytes (review/pickup/reader.py).
    """
    with workspace.import_lock():
        workspace.clear_staging()
        workspace.collect_orphans()
        staged = stage_bundle(
            bundle,
            staging_root=workspace.staging_dir(),
            trusted=workspace.intake_keys(),
            limits=limits,
            free=free,
            progress=progress,
            total=total,
        )
        try:
            with workspace.transaction() as session:
                return _record(workspace, session, staged, actor)
        finally:
            staged.discard()


def _record(
    workspace: Workspace, session: Session, staged: StagedBundle, actor: str
) -> ImportResult:
    manifest = staged.manifest
    skipped_ids = {s.id for s in staged.skipped}
    usable = [s for s in manifest.submissions if s.id not in skipped_ids]
    removed = {s.id for s in usable if session.get(RemovedSubmission, s.id)}
    fresh = [s for s in usable if s.id not in removed and not _already_present(session, s)]
    result = ImportResult(manifest.bundle_id, len(fresh),
                          len(usable) - len(fresh) - len(removed), len(removed),
                          staged.skipped)
    if staged.skipped:
        # Recorded even when nothing else is: a reporter's submission did not arrive.
        audit.append(
            session, actor=actor, action="import-skipped", subject=f"bundle:{manifest.bundle_id}",
            detail="; ".join(s.report_line() for s in staged.skipped),
            facts={"signer": staged.signer, "skipped": ",".join(sorted(skipped_ids))},
        )
    if not fresh:
        # Importing the same bundle twice changes nothing, the audit log included.
        return result
    if session.get(Bundle, manifest.bundle_id) is not None:
        # Intake draws a fresh random id for every bundle, so an id that comes back
        # carrying new submissions is never legitimate: it would file them under the
        # earlier bundle's signer, hiding what a stolen key brought in.
        raise BundleError(
            f"bundle {manifest.bundle_id} was imported before and now brings new "
            "submissions; a bundle id is never reused, so this bundle is refused"
        )
    session.add(Bundle(id=manifest.bundle_id, created_day=manifest.created_day,
                       signer=staged.signer))
    fresh_ids = {s.id for s in fresh}
    last_arrival = session.scalar(select(func.max(Submission.arrival))) or 0
    for arrival, entry in enumerate(fresh, last_arrival + 1):
        session.add(
            Submission(
                id=entry.id,
                bundle_id=manifest.bundle_id,
                received_day=entry.received_day,
                reply_recipient=entry.reply_recipient,
                follows=entry.follows,
                arrival=arrival,
            )
        )
        session.add(Triage(submission_id=entry.id, status="new",
                           priority=URGENT_PRIORITY if entry.urgent else 0, revision=0,
                           news=False))
        for file in entry.files:
            session.add(
                StoredFile(
                    submission_id=entry.id, name=file.name, kind=file.kind,
                    size=file.size, sha256=file.sha256,
                )
            )
    session.flush()
    for entry in fresh:
        if entry.urgent:
            # Recorded per case, so the case's history says why it starts at the top.
            audit.append(
                session,
                actor=actor,
                action="priority",
                subject=f"case:{entry.id}",
                detail=f"urgent on arrival (someone in danger now): priority {URGENT_PRIORITY}",
                facts={"priority": str(URGENT_PRIORITY), "reason": "urgent"},
            )
    follow_ups = _mark_news(session, fresh)
    for item in staged.files:
        if item.submission.id in fresh_ids:
            workspace.store_object(item.path, item.file.sha256)
    workspace.make_durable()
    audit.append(
        session,
        actor=actor,
        action="import",
        subject=f"bundle:{manifest.bundle_id}",
        detail=(f"{result.added} new submissions ({follow_ups} of them follow-ups), "
                f"{result.already_present} already present, "
                f"{result.removed_earlier} removed earlier; signed by {staged.signer}"),
        facts={"signer": staged.signer},
    )
    return result


def _mark_news(session: Session, fresh: list[SubmissionEntry]) -> int:
    """Flag each case that got a follow-up as having news; returns how many follow-ups came.

    A follow-up whose case is not here keeps the flag on its own row: it is
    shown as a case of its own until its case arrives.
    """
    follow_ups = [entry for entry in fresh if entry.follows is not None]
    for entry in follow_ups:
        assert entry.follows is not None
        row = session.get(Triage, entry.follows) or session.get(Triage, entry.id)
        if row is not None:
            row.news = True
            row.revision += 1
    return len(follow_ups)


def _already_present(session: Session, entry: SubmissionEntry) -> bool:
    existing = session.get(Submission, entry.id)
    if existing is None:
        return False
    stored = {(f.name, f.kind, f.size, f.sha256) for f in existing.files}
    declared = {(f.name, f.kind, f.size, f.sha256) for f in entry.files}
    if stored != declared:
        # Same id, other ciphertext: either intake is broken or someone forged a bundle.
        raise BundleError(f"submission {entry.id} is already imported with different files")
    return True
