"""The readable summary of each exported case, filled from the case file for summary.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from contracts.report import NARRATIVE
from review.casefile.choices import labelled_answer
from review.casefile.report_reader import Report
from review.casefile.timeline import case_timeline
from review.export.consent import ConsentDecision
from review.export.items import Item
from review.export.summary_model import CaseSummary
from review.replies.writing import ReplyView

VERIFICATION = (
    "Run `bagit.py --validate` on the package directory: every payload file must match "
    "manifest-sha256.txt and every tag file tagmanifest-sha256.txt.",
    "Inside the package, `sha256sum -c manifest-sha256.txt` checks each file alone.",
    "`ssh-keygen -Y verify -f allowed_signers -I <signer> -n haven-evidence-v1@haven "
    "-s tagmanifest-sha256.txt.sig < tagmanifest-sha256.txt` checks the exporting "
    "reviewer's signature, which covers the manifests and so every byte.",
    "Each item's sha256_at_receipt (data/metadata/) is the hash intake computed when the "
    "file arrived; it equals the file's hash in the manifest.",
    "`haven review verify PACKAGE` runs all of these and the custody chain at once.",
)
LIMITATIONS = (
    "Haven keeps days, not times, of what reporters send: received days are exact to the day.",
    "The signature shows which reviewer key exported the package, not that the reporter's "
    "account is true.",
    "The receipt hashes show the files are what reached intake; they say nothing of what "
    "happened to a file before it was sent.",
    "The custody log is taken from the workspace's audit chain; someone holding the whole "
    "workspace could have rewritten that chain consistently before export.",
    "Extracted metadata is what the file claims (camera, place, time); it can be forged.",
)
_KINDS = {"report": "Report received", "follow_up": "Follow-up received", "reply": "Reply written",
          "status": "Status changed", "link": "Link decision"}
# A link names the other case only by its id, which the legal team has no use for
# and which is another reporter's: the summary says what was decided, not with whom.
_LINK_TEXTS = {"link": "linked to another case", "unlink": "link to another case removed",
               "link-confirmed": "suggested link to another case confirmed",
               "link-dismissed": "suggested link to another case dismissed"}


def case_summary(
    session: Session, report: Report, *, items: Sequence[Item], replies: Sequence[ReplyView],
    decision: ConsentDecision, export_id: str, recipient: str, purpose: str, exported_by: str,
) -> CaseSummary:
    """The summary of one case as the package holds it."""
    events = case_timeline(session, report.id, report=report, received_day=report.received_day,
                           follow_ups=report.follow_ups, replies=replies)
    return CaseSummary(
        case_id=report.id, language=report.language, received_day=report.received_day,
        narrative=report.story(),
        answers=tuple((name, _text(labelled_answer(name, value)))
                      for name, value in report.answers.items() if name != NARRATIVE),
        categories=tuple(_text(labelled_answer("categories", c)) for c in report.categories),
        # What the reporter sent and was sent, and the decisions taken on the case;
        # a kind of event the summary has no words for (a note) stays out of it.
        timeline=tuple((day, _KINDS[kind], _event_text(kind, item))
                       for kind, day, item in events if kind in _KINDS),
        items=tuple((i.original_name or i.item_id, i.size, i.sha256, i.detected_type)
                    for i in items),
        consent=tuple((k, _text(v)) for k, v in decision.record().items()),
        verification=VERIFICATION, limitations=LIMITATIONS, export_id=export_id,
        recipient=recipient, purpose=purpose, exported_by=exported_by)


def _event_text(kind: str, item: Any) -> str:
    if kind == "report":
        return "First report"
    if kind == "follow_up":
        return str(item.message) if item.readable else "(a follow-up that could not be read)"
    if kind == "status":
        # The stable value ("in_review"), as the custody log beside it records it.
        return f"set to {item.value} (by {item.actor})"
    if kind == "link":
        return f"{_LINK_TEXTS.get(item.action, item.action)} (by {item.actor})"
    content = item.content
    if content is None:
        return "(sealed before this reviewer joined)"
    return " ".join(filter(None, [content.status or "", content.text]))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
