"""The report document: versioned JSON that lives only inside report.age."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from contracts.report import FORMAT, QUESTIONNAIRE_VERSION, VERSION
from intake.questionnaire import definition_sha256
from intake.receiving import ReceivedAttachment


def build_report_document(
    *,
    answers: Mapping[str, Any],
    attachments: Sequence[ReceivedAttachment],
    received_day: date,
    language: str,
) -> dict[str, Any]:
    """Return the report document of docs/pickup-bundle.md for these answers and files."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "questionnaire": {"version": QUESTIONNAIRE_VERSION, "sha256": definition_sha256()},
        "received_day": received_day.isoformat(),
        "language": language,
        "urgent": answers.get("danger_now") == "yes",
        "answers": dict(answers),
        "attachments": [asdict(attachment) for attachment in attachments],
    }


def encode_report_document(document: Mapping[str, Any]) -> bytes:
    """Serialise a report document as UTF-8 JSON, the bytes that get encrypted."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
