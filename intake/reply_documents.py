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
    # Its place among the case's replies, as review numbered it when writing (signed,
    # inside the encryption); None for a version 1 document, which has none.
    number: int | None = None


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
        id=reply_id,
        arrived_day=arrived_day,
        status=document["status"],
        text=document["text"],
        number=document.get("number"),
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
    )


def in_reading_order(replies: list[ShownReply]) -> list[ShownReply]:
    """`replies`, given in the order they were loaded, in the order review wrote them.

    The order the reporter reads, and so the case's current status, must not be
    whoever carried the bundles' choice: it comes from the number review signed
    into each document. Version 1 documents (written before there was one) come
    first, as loaded; equal numbers (which one workspace never writes) keep the
    order they were loaded in, since the sort is stable.
    """
    return sorted(replies, key=lambda reply: (reply.number is not None, reply.number or 0))


def current_status(replies: list[ShownReply]) -> str | None:
    """The case's status: the latest canned status among its replies, in reading order."""
    for reply in reversed(replies):
        if reply.status is not None:
            return reply.status
    return None
