"""Reply documents as the reporter reads them: decrypted, checked, or skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

import keys
from contracts.replies import DOCUMENT_FORMAT, DOCUMENT_VERSION, MAX_TEXT_CHARS, STATUSES

# The reporter-facing wording of each canned status, from intake's own catalog.
STATUS_TEXTS = {
    "received": _l("We have received your report."),
    "reading": _l("We are reading your report."),
    "may_contact": _l("We may contact you, in the way you asked."),
    "referred_to_lawyer": _l("We have referred your report to a lawyer."),
    "closed": _l("We have closed your report."),
}
assert set(STATUS_TEXTS) == set(STATUSES), "every canned status needs its wording"


@dataclass(frozen=True)
class ShownReply:
    """One reply as the check-back page shows it."""

    id: str
    arrived_day: date
    status: str | None
    text: str


def open_reply(
    data: bytes,
    *,
    reply_id: str,
    case_id: str,
    arrived_day: date,
    identity: keys.Identity,
) -> ShownReply | None:
    """Decrypt and check one stored reply; None for one that does not open or does not match.

    A reply that fails here is skipped, not shown as an error: the reporter can do
    nothing about it, and a row moved to another case must simply not appear there.
    """
    try:
        document = json.loads(keys.decrypt(data, identities=[identity]).decode("utf-8"))
    except (keys.AgeError, UnicodeDecodeError, ValueError):
        return None
    if not _valid(document, reply_id=reply_id, case_id=case_id):
        return None
    return ShownReply(
        id=reply_id, arrived_day=arrived_day, status=document["status"], text=document["text"]
    )


def _valid(document: Any, *, reply_id: str, case_id: str) -> bool:
    return (
        isinstance(document, dict)
        and document.get("format") == DOCUMENT_FORMAT
        and document.get("version") == DOCUMENT_VERSION
        # Inside the encryption: a row moved to another case no longer matches.
        and document.get("id") == reply_id
        and document.get("submission_id") == case_id
        and (document.get("status") is None or document.get("status") in STATUSES)
        and isinstance(document.get("text"), str)
        and len(document["text"]) <= MAX_TEXT_CHARS
        and (document["status"] is not None or document["text"].strip() != "")
    )


def current_status(replies: list[ShownReply]) -> str | None:
    """The case's status: the latest canned status among its replies."""
    for reply in reversed(replies):
        if reply.status is not None:
            return reply.status
    return None
