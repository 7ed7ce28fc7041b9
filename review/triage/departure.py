"""A reviewer leaving the workspace: their row goes and sealed triage is resealed without them.

Sealed triage (notes, tags, links, corrected categories) and replies are
encrypted to every reviewer of the workspace. When one leaves, every sealed record is decrypted
with a remaining reviewer's identity and sealed again to those who remain, in
the same transaction that deletes the row and records the audit entry: either
the reviewer is gone and nothing in the workspace is sealed to their key any
more, or nothing changed. What resealing cannot undo is stated in
docs/deploy.md: the reports themselves were encrypted to the leaving key by
intake, and any copy of the workspace made before today still opens with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import keys
from review.errors import ReviewerError
from review.replies.record import seal_reply, unseal_reply
from review.triage.record import reviewer_set_digest, seal, unseal
from review.workspace import audit
from review.workspace.models import Reply, Reviewer, Triage
from review.workspace.store import Workspace


@dataclass(frozen=True)
class Departure:
    """What removing a reviewer changed."""

    name: str
    recipient: str
    resealed: int
    replies_resealed: int
    unassigned: int


def remove_reviewer(
    workspace: Workspace,
    name: str,
    *,
    identities: Sequence[keys.Identity],
    actor: str,
) -> Departure:
    """Remove reviewer `name`, resealing every sealed record with `identities` to the rest.

    `identities` must be a remaining reviewer's: the records are read with them
    before anything is written. A record they cannot open (sealed before that
    reviewer joined, and not resealed since) refuses the whole removal, since
    sealing it again without reading it would destroy the notes in it.
    """
    with workspace.transaction() as session:
        leaving = session.get(Reviewer, name)
        if leaving is None:
            raise ReviewerError(f"there is no reviewer named {name!r} in this workspace")
        remaining = [r for r in session.scalars(select(Reviewer)) if r.name != name]
        if not remaining:
            raise ReviewerError(
                f"{name!r} is the last reviewer; a workspace sealed to nobody could never "
                "be read again, so add the successor first"
            )
        _refuse_leaving_identity(identities, leaving)
        recipients = [keys.parse_recipient(r.recipient) for r in remaining]
        digest = reviewer_set_digest([r.recipient for r in remaining])
        resealed = _reseal_all(session, identities=identities, recipients=recipients,
                               digest=digest)
        replies = _reseal_replies(session, identities=identities, recipients=recipients,
                                  digest=digest)
        unassigned = _unassign(session, name, actor=actor)
        recipient = leaving.recipient
        session.delete(leaving)
        audit.append(
            session, actor=actor, action="remove-reviewer", subject=f"reviewer:{name}",
            detail=f"{recipient}; {resealed} triage records and {replies} replies resealed to "
                   f"the {len(remaining)} remaining reviewers, {unassigned} cases unassigned",
            facts={"recipient": recipient, "resealed": str(resealed),
                   "replies_resealed": str(replies)},
        )
    # The records sealed to the leaving key are overwritten in the file itself,
    # not only superseded in the log.
    workspace.checkpoint()
    return Departure(name=name, recipient=recipient, resealed=resealed,
                     replies_resealed=replies, unassigned=unassigned)


def _refuse_leaving_identity(identities: Sequence[keys.Identity], leaving: Reviewer) -> None:
    # The leaving key may be the one that was lost or seized: it must not be
    # the key that vouches for the reseal.
    if any(str(identity.recipient()) == leaving.recipient for identity in identities):
        raise ReviewerError(
            f"that identity is {leaving.name!r}'s own; unlock with a remaining reviewer's"
        )


def _reseal_all(
    session: Session,
    *,
    identities: Sequence[keys.Identity],
    recipients: Sequence[keys.Recipient],
    digest: str,
) -> int:
    rows = list(session.scalars(select(Triage).where(Triage.sealed.is_not(None))))
    opened = []
    unreadable = 0
    # Every record is opened before any is written, so a refusal leaves the
    # transaction with nothing to roll back but reads.
    for row in rows:
        try:
            opened.append((row, unseal(row.sealed, identities=identities)))
        except keys.NoIdentityMatchError:
            unreadable += 1
    if unreadable:
        whose = "1 case's notes were" if unreadable == 1 else f"{unreadable} cases' notes were"
        raise ReviewerError(
            f"{whose} sealed before this reviewer joined and cannot be "
            "read with this identity; remove with the identity of a reviewer who can read "
            "them, or have one of them unlock the workspace first (that reseals them)"
        )
    for row, content in opened:
        row.sealed = seal(content, recipients=recipients)
        row.sealed_for = digest
        row.revision += 1
    return len(opened)


def _reseal_replies(
    session: Session,
    *,
    identities: Sequence[keys.Identity],
    recipients: Sequence[keys.Recipient],
    digest: str,
) -> int:
    # Replies are sealed like notes (review/replies/record.py), sent or not: a
    # leaving reviewer's key must open none of them either.
    rows = list(session.scalars(select(Reply)))
    try:
        opened = [(row, unseal_reply(row.sealed, identities=identities)) for row in rows]
    except keys.NoIdentityMatchError:
        raise ReviewerError(
            "a reply was sealed before this reviewer joined and cannot be read with this "
            "identity; remove with the identity of a reviewer who can read it"
        ) from None
    for row, content in opened:
        row.sealed = seal_reply(content, recipients=recipients)
        row.sealed_for = digest
    return len(opened)


def _unassign(session: Session, name: str, *, actor: str) -> int:
    assigned = list(session.scalars(select(Triage).where(Triage.assignee == name)))
    for row in assigned:
        row.assignee = None
        row.revision += 1
        audit.append(session, actor=actor, action="assign",
                     subject=f"case:{row.submission_id}", detail="-")
    return len(assigned)
