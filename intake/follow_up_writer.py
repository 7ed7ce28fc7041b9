"""The follow-up document: versioned JSON that lives only inside a follow-up's report.age."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from contracts.follow_up import FORMAT, VERSION
from intake.receiving import ReceivedAttachment


@dataclass(frozen=True)
class ConsentChange:
    """A new answer to "who may receive this report", in the report's own shape."""

    consent: tuple[str, ...]
    police_country: str


def build_follow_up_document(
    *,
    follows: str,
    message: str,
    consent: ConsentChange | None,
    attachments: Sequence[ReceivedAttachment],
    received_day: date,
    language: str,
) -> dict[str, Any]:
    """Return the follow-up document of docs/pickup-bundle.md, "Follow-ups (version 3)"."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "follows": follows,
        "received_day": received_day.isoformat(),
        "language": language,
        "message": message,
        "consent": None
        if consent is None
        else {"consent": list(consent.consent), "police_country": consent.police_country},
        "attachments": [asdict(attachment) for attachment in attachments],
    }
