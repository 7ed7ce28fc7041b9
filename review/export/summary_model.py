"""What the readable summary of one exported case says, before it is rendered.

A plain value: the exporter fills it from the case file, the audit log and the
package it is building; review/export/summary.py turns it into HTML and PDF.
Every string that came from the reporter is kept as they wrote it: the
renderer escapes it, reveals hidden characters and isolates its direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class TimelineEvent(NamedTuple):
    """One dated event of the case: first report, follow-up, reply, status change."""

    day: str  # YYYY-MM-DD, the only precision Haven keeps
    kind: str  # a label such as "Report received" or "Reply sent"
    text: str


class ItemEntry(NamedTuple):
    """One attachment as the package holds it under data/originals/."""

    name: str
    size: int
    sha256: str
    media_type: str


@dataclass(frozen=True)
class CaseSummary:
    """The readable summary of one case in an evidence package."""

    case_id: str
    # BCP 47 tag of the report's language ("bo", "zh-Hans", "fa"): the page's
    # lang and direction for the reporter's own words follow it.
    language: str
    received_day: str
    narrative: str
    # (label, value) in the questionnaire's order; values already as labels.
    answers: tuple[tuple[str, str], ...]
    categories: tuple[str, ...]
    # (day, kind, text) and (name, size, sha256, media_type): plain tuples or
    # the named ones above, which are the same shape.
    timeline: tuple[tuple[str, str, str], ...]
    items: tuple[tuple[str, int, str, str], ...]
    consent: tuple[tuple[str, str], ...]
    verification: tuple[str, ...]
    limitations: tuple[str, ...]
    export_id: str
    recipient: str
    purpose: str
    exported_by: str
