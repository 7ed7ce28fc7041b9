"""Reply documents as the reporter reads them: decrypted, checked, or skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

import keys
from contracts.replies import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    DOCUMENT_VERSION_UNNUMBERED,
    MAX_TEXT_CHARS,
    STATUSES,
)

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
    # Its place among the case's replies, as review numbered it when writing, and the
    # day it was written (both signed, inside the encryption); None for a version 1
    # document, which is not ordered by them.
    number: int | None = None
    written_day: date | None = None


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
    numbered = document["version"] == DOCUMENT_VERSION
    return ShownReply(
        id=reply_id,
        arrived_day=arrived_day,
        status=document["status"],
        text=document["text"],
        number=document["number"] if numbered else None,
        written_day=date.fromisoformat(document["written_day"]) if numbered else None,
    )


def _valid(document: Any, *, reply_id: str, case_id: str) -> bool:
    return (
        isinstance(document, dict)
        and document.get("format") == DOCUMENT_FORMAT
        and _valid_version(document)
        # Inside the encryption: a row moved to another case no longer matches.
        and document.get("id") == reply_id
        and document.get("submission_id") == case_id
        and (document.get("status") is None or document.get("status") in STATUSES)
        and isinstance(document.get("text"), str)
        and len(document["text"]) <= MAX_TEXT_CHARS
        and (document["status"] is not None or document["text"].strip() != "")
    )


def _valid_version(document: dict[str, Any]) -> bool:
    if document.get("version") == DOCUMENT_VERSION_UNNUMBERED:
        return "number" not in document
    number = document.get("number")
    return (
        document.get("version") == DOCUMENT_VERSION
        # bool is an int in Python; JSON true is not a number.
        and isinstance(number, int)
        and not isinstance(number, bool)
        and number >= 1
        and _day(document.get("written_day"))
    )


def _day(value: Any) -> bool:
    # Exactly YYYY-MM-DD, as review writes it: fromisoformat also takes other forms.
    if not isinstance(value, str) or len(value) != len("YYYY-MM-DD"):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def in_reading_order(replies: list[ShownReply]) -> list[ShownReply]:
    """`replies`, given in the order they were loaded, in the order review wrote them.

    The order the reporter reads, and so the case's current status, must not be
    whoever carried the bundles' choice: it comes from what review signed into
    each document, the day it was written first and its number within that day.
    The day comes first because a workspace restored from a backup, or a second
    one answering the case, numbers its next reply again from what it holds, so
    a number alone can repeat an older reply's; the reply written later is read
    later. What still ties (the same day and number, from two workspaces) is
    ordered by reply id: random, so not the order written, but signed and the
    same however the bundles were loaded. Version 1 documents (written before
    there were numbers) come first, in the order loaded, which for one signer is
    the order written (their bundles, of manifest version 1, load only in sequence).
    """
    return sorted(replies, key=_reading_key)


def _reading_key(reply: ShownReply) -> tuple[bool, date, int, str]:
    if reply.number is None or reply.written_day is None:
        # Stable sort: every version 1 reply has this key, so they keep load order.
        return (False, date.min, 0, "")
    return (True, reply.written_day, reply.number, reply.id)


def current_status(replies: list[ShownReply]) -> str | None:
    """The case's status: the latest canned status among its replies, in reading order."""
    for reply in reversed(replies):
        if reply.status is not None:
            return reply.status
    return None
