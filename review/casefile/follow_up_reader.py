"""The decrypted follow-up document (a reporter's later message, files, consent), read defensively.

Read with the same bounds as a report document (size, depth, format and
version first); a damaged one is that follow-up's problem alone: it shows as
"could not be read" in its case's timeline and hides nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from contracts import follow_up as contract
from contracts.report import MAX_REPORT_BYTES
from review.casefile.report_reader import (
    MAX_DEPTH,
    RTL_LANGUAGES,
    AttachmentInfo,
    ReportFormatError,
    attachments_of,
    depth,
    language_of,
)


@dataclass(frozen=True)
class ConsentAnswer:
    """Who may receive the report, as the reporter last answered it."""

    consent: tuple[str, ...]
    police_country: str


@dataclass(frozen=True)
class FollowUp:
    """One follow-up of a case; `readable` is False for a damaged document (nothing else set)."""

    id: str
    follows: str
    received_day: str
    readable: bool = True
    language: str = "und"
    message: str = ""
    # None: the reporter did not change their consent.
    consent: ConsentAnswer | None = None
    attachments: tuple[AttachmentInfo, ...] = field(default=())

    @property
    def direction(self) -> str:
        """"rtl" for right-to-left languages, else "ltr"."""
        return "rtl" if self.language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def parse_follow_up(submission_id: str, follows: str, received_day: str,
                    plaintext: bytes) -> FollowUp:
    """Read a decrypted follow-up document, or raise ReportFormatError."""
    if len(plaintext) > MAX_REPORT_BYTES:
        raise ReportFormatError(f"larger than {MAX_REPORT_BYTES} bytes")
    try:
        document = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ReportFormatError(f"not UTF-8 JSON: {type(error).__name__}") from None
    if depth(document) > MAX_DEPTH:
        raise ReportFormatError(f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(document, dict) or document.get("format") != contract.FORMAT:
        raise ReportFormatError("not a haven-follow-up document")
    if document.get("version") != contract.VERSION:
        raise ReportFormatError(f"unsupported follow-up version {document.get('version')!r}")
    # The signed manifest says which case this joins; the encrypted copy must agree,
    # or a follow-up could be filed under a case it was never written for.
    if document.get("follows") != follows:
        raise ReportFormatError("its case differs from the one the bundle names")
    message = document.get("message")
    return FollowUp(
        id=submission_id,
        follows=follows,
        received_day=received_day,
        language=language_of(document),
        message=message if isinstance(message, str) else "",
        consent=_consent(document.get("consent")),
        attachments=tuple(attachments_of(document.get("attachments"))),
    )


def damaged(submission_id: str, follows: str, received_day: str) -> FollowUp:
    """The placeholder of a follow-up whose document could not be read."""
    return FollowUp(submission_id, follows, received_day, readable=False)


def _consent(value: Any) -> ConsentAnswer | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("consent"), list):
        raise ReportFormatError("consent is not null or an object with a consent list")
    police = value.get("police_country", "")
    return ConsentAnswer(tuple(str(v) for v in value["consent"] if isinstance(v, str)),
                         police if isinstance(police, str) else "")
