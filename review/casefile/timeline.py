"""A case's timeline: its first report, follow-ups and replies, in the order they happened.

Haven keeps days, never times. Within one day, the order is the order in which
each event reached this workspace, which the audit chain records: a reply when
it was written here, a follow-up when the bundle that carried it was imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.casefile.follow_up_reader import FollowUp
from review.replies.writing import ReplyView
from review.workspace.audit import facts_of
from review.workspace.models import AuditEntry, Submission

# (kind, day, item): kind is "report", "follow_up" or "reply".
Entry = tuple[str, str, Any]


def case_timeline(
    session: Session,
    case_id: str,
    *,
    report: Any,
    received_day: str,
    follow_ups: Sequence[FollowUp],
    replies: Sequence[ReplyView],
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

    events = [(received_day, 0, ("report", received_day, report))]
    events += [(f.received_day, import_seq(f.id), ("follow_up", f.received_day, f))
               for f in follow_ups]
    events += [(r.written_day, written.get(r.id, 0), ("reply", r.written_day, r))
               for r in replies]
    # sorted() is stable: events with the same day and place keep the order above.
    return [entry for _day, _seq, entry in sorted(events, key=lambda e: (e[0], e[1]))]
