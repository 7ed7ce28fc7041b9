"""A case's timeline: its first report, follow-ups, replies, status changes, notes and link
decisions, in the order they happened.

Haven keeps days, never times, for what reporters send. Within one day, the
order is the order in which each event reached this workspace, which the audit
chain records: a reply when it was written here, a follow-up when the bundle
that carried it was imported, a status change or link decision when it was
made, a note when it was added (its text is sealed; the chain holds only that
a note was added, and the nth such entry is the nth note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.casefile.follow_up_reader import FollowUp
from review.replies.writing import ReplyView
from review.triage.record import Note
from review.workspace.audit import facts_of
from review.workspace.models import AuditEntry, Submission

# (kind, day, item): kind is "report", "follow_up", "reply", "status", "note" or "link".
Entry = tuple[str, str, Any]
# Audit actions of a case shown in its timeline, and the kind each is shown as.
REVIEW_ACTIONS = {"status": "status", "link": "link", "unlink": "link",
                  "link-confirmed": "link", "link-dismissed": "link"}


@dataclass(frozen=True)
class ReviewEvent:
    """A reviewer's change to the case: who, what (a status, or a link decision), which case."""

    actor: str
    action: str
    value: str
    other_case: str = ""


def case_timeline(
    session: Session,
    case_id: str,
    *,
    report: Any,
    received_day: str,
    follow_ups: Sequence[FollowUp],
    replies: Sequence[ReplyView],
    notes: Sequence[Note] = (),
) -> list[Entry]:
    """Every event of the case by day, and within a day by its place in the audit chain."""
    written = {
        facts_of(entry).get("reply"): entry.seq
        for entry in session.scalars(select(AuditEntry).where(
            AuditEntry.action == "reply", AuditEntry.subject == f"case:{case_id}"))
    }
    imported: dict[str, int] = {}
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.action == "import")):
        imported.setdefault(entry.subject.removeprefix("bundle:"), entry.seq)

    def import_seq(submission_id: str) -> int:
        submission = session.get(Submission, submission_id)
        return imported.get(submission.bundle_id, 0) if submission is not None else 0

    changes = list(session.scalars(select(AuditEntry).where(
        AuditEntry.subject == f"case:{case_id}",
        AuditEntry.action.in_([*REVIEW_ACTIONS, "note"])).order_by(AuditEntry.seq)))
    note_seqs = [entry.seq for entry in changes if entry.action == "note"]

    events = [(received_day, 0, ("report", received_day, report))]
    for entry in changes:
        if entry.action == "note":
            continue
        day = entry.at[:10]
        other = entry.detail.split(" ", 1)[0] if entry.action != "status" else ""
        event = ReviewEvent(entry.actor, entry.action, entry.detail if not other else "", other)
        events.append((day, entry.seq, (REVIEW_ACTIONS[entry.action], day, event)))
    for number, note in enumerate(notes):
        day = note.at[:10]
        seq = note_seqs[number] if number < len(note_seqs) else 0
        events.append((day, seq, ("note", day, note)))
    events += [(f.received_day, import_seq(f.id), ("follow_up", f.received_day, f))
               for f in follow_ups]
    events += [(r.written_day, written.get(r.id, 0), ("reply", r.written_day, r))
               for r in replies]
    # sorted() is stable: events with the same day and place keep the order above.
    return [entry for _day, _seq, entry in sorted(events, key=lambda e: (e[0], e[1]))]
