"""Removing a submission a reviewer judged forged, hostile or unreadable, with an audit entry."""

from __future__ import annotations

from sqlalchemy import delete, select

from contracts import fields
from review.errors import WorkspaceError
from review.workspace import audit
from review.workspace.models import RemovedSubmission, Reply, StoredFile, Submission, Triage
from review.workspace.store import Workspace


def remove_submission(workspace: Workspace, case_id: str, *, actor: str) -> int:
    """Delete a submission's rows and stored ciphertext; returns how many objects were deleted.

    Its id is remembered, so importing the same bundle again does not bring it
    back. Rows go in one transaction with the audit entry; the objects are
    deleted after the commit but still under the import lock, so an import
    cannot store an identical object (same hash) in between and lose it to
    this unlink. A crash in between leaves only orphans, which the next
    import collects.
    """
    if not fields.ID.fullmatch(case_id):
        raise WorkspaceError("a case id is 32 lower-case hexadecimal characters")
    with workspace.import_lock():
        with workspace.transaction() as session:
            if session.get(Submission, case_id) is None:
                raise WorkspaceError(f"there is no submission {case_id} in this workspace")
            hashes = set(session.scalars(
                select(StoredFile.sha256).where(StoredFile.submission_id == case_id)))
            session.execute(delete(StoredFile).where(StoredFile.submission_id == case_id))
            session.execute(delete(Triage).where(Triage.submission_id == case_id))
            # Its replies go with it: sent ones already left, waiting ones have no case now.
            replies = len(session.scalars(select(Reply.id).where(Reply.case_id == case_id)).all())
            session.execute(delete(Reply).where(Reply.case_id == case_id))
            session.execute(delete(Submission).where(Submission.id == case_id))
            session.add(RemovedSubmission(id=case_id))
            shared = set(session.scalars(
                select(StoredFile.sha256).where(StoredFile.sha256.in_(hashes))))
            audit.append(session, actor=actor, action="remove", subject=f"case:{case_id}",
                         detail=f"submission and its {len(hashes)} files removed"
                                + (f", with its {replies} replies" if replies else ""))
        unused = hashes - shared
        for sha256 in unused:
            workspace.object_path(sha256).unlink(missing_ok=True)
    return len(unused)
