"""Writing a reply to a case, and reading a case's replies back, each write audited."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import keys
from review.clock import WallClock, utc_now
from review.errors import ReplyError
from review.replies.record import ReplyContent, seal_reply, unseal_reply
from review.triage.record import reviewer_set_digest
from review.workspace import audit
from review.workspace.models import Reply, ReplyBundle, Reviewer, Submission
from review.workspace.store import Workspace

REPLY_ID_BYTES = 16


@dataclass(frozen=True)
class ReplyView:
    """One reply as a case's timeline shows it; `content` is None if it was sealed before
    this reviewer joined and nobody has resealed it yet."""

    id: str
    author: str
    written_day: str
    content: ReplyContent | None
    sent_day: str | None
    bundle_id: str | None


def reply_recipient(session: Session, case_id: str) -> keys.HybridRecipient:
    """The reporter's reply key of a case, or ReplyError saying why the case cannot be answered.

    Only hybrid post-quantum keys are answered: a reply waits on the online
    server, where it could be recorded today and broken by a quantum computer later.
    """
    submission = session.get(Submission, case_id)
    if submission is None:
        raise ReplyError(f"there is no case {case_id} in this workspace")
    if submission.follows is not None:
        raise ReplyError(
            f"{case_id} is a follow-up, not a case's first report: replies go to its case "
            f"{submission.follows}, which this workspace does not hold")
    if submission.reply_recipient is None:
        raise ReplyError(
            f"case {case_id} cannot be answered: its reporter has no reply key (the report "
            "came without one)")
    try:
        recipient = keys.parse_recipient(submission.reply_recipient)
    except keys.RecipientError:
        raise ReplyError(f"case {case_id} has an unreadable reply key") from None
    if not isinstance(recipient, keys.HybridRecipient):
        raise ReplyError(
            f"case {case_id} cannot be answered: its reply key is not post-quantum (age1pq1...)")
    return recipient


def write_reply(
    workspace: Workspace,
    case_id: str,
    content: ReplyContent,
    *,
    reviewer: str,
    clock: WallClock = utc_now,
) -> str:
    """Store a reply, sealed to every reviewer, with its audit entry; returns its id."""
    reply_id = secrets.token_hex(REPLY_ID_BYTES)
    with workspace.transaction() as session:
        reply_recipient(session, case_id)
        recipients = [r.recipient for r in session.scalars(select(Reviewer))]
        last = session.scalar(select(func.max(Reply.number))) or 0
        session.add(Reply(
            id=reply_id, case_id=case_id, author=reviewer,
            written_day=clock().date().isoformat(), number=last + 1,
            sealed=seal_reply(content, recipients=[keys.parse_recipient(r) for r in recipients]),
            sealed_for=reviewer_set_digest(recipients),
        ))
        # What it says stays sealed; the log says that it was written, and what it holds.
        audit.append(session, actor=reviewer, action="reply", subject=f"case:{case_id}",
                     detail=f"reply {reply_id} written, waiting to be sent",
                     facts={"reply": reply_id, "status": "yes" if content.status else "no",
                            "text": "yes" if content.text else "no"},
                     clock=clock)
    return reply_id


def replies_of(
    workspace: Workspace, case_id: str, *, identities: Sequence[keys.Identity]
) -> list[ReplyView]:
    """The replies of a case, oldest first, decrypted for this reviewer."""
    with workspace.sessions() as session:
        rows = session.execute(
            select(Reply, ReplyBundle.created_day)
            .outerjoin(ReplyBundle, Reply.bundle_id == ReplyBundle.id)
            .where(Reply.case_id == case_id)
            .order_by(Reply.written_day, Reply.number)).all()
    views = []
    for reply, sent_day in rows:
        try:
            content: ReplyContent | None = unseal_reply(reply.sealed, identities=identities)
        except keys.NoIdentityMatchError:
            content = None
        views.append(ReplyView(reply.id, reply.author, reply.written_day, content, sent_day,
                               reply.bundle_id))
    return views


def reseal_stale_replies(
    session: Session, *, identities: Sequence[keys.Identity], recipients: Sequence[str]
) -> int:
    """Reseal to today's reviewers every reply this reviewer can read that was sealed to
    an older set (inside the caller's transaction); returns how many."""
    digest = reviewer_set_digest(recipients)
    parsed = [keys.parse_recipient(r) for r in recipients]
    resealed = 0
    for reply in session.scalars(select(Reply).where(Reply.sealed_for != digest)):
        try:
            content = unseal_reply(reply.sealed, identities=identities)
        except keys.NoIdentityMatchError:
            continue
        reply.sealed = seal_reply(content, recipients=parsed)
        reply.sealed_for = digest
        resealed += 1
    return resealed
