"""Where a search matched a case: the answer, and the words around the match.

Search compares normalised text (review/casefile/textnorm.py: case, digits,
Arabic-script letter forms folded), so a match is found in the normalised
form and shown in the reporter's own spelling: each character is normalised
alone, which keeps a map from every normalised position back to the original.
An identifier search ("07911 123456") shows where the identifier appears in
whatever spelling the report used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from review.casefile.identifiers import ATTACHMENT_FIELD, EXCERPT_CHARS, query_identifiers
from review.casefile.related import RelatedIndex
from review.casefile.report_reader import Report
from review.casefile.textnorm import normalise

# Places shown per case in the search results.
MAX_HITS = 3


@dataclass(frozen=True)
class Hit:
    """One place a search matched: the field and the excerpt split around the match."""

    field: str
    before: str
    match: str
    after: str


def hits(report: Report, query: str, related: RelatedIndex) -> list[Hit]:
    """Up to MAX_HITS places in `report` that `query` matched, identifiers first."""
    found: list[Hit] = []
    for identifier in sorted(query_identifiers(query)):
        for place in related.occurrences(report.id, identifier):
            hit = Hit(place.field, place.before, place.match, place.after)
            if hit not in found:
                found.append(hit)
    for term in normalise(query).split():
        for hit in _text_hits(report, term):
            if not any(h.field == hit.field and hit.match in h.match for h in found):
                found.append(hit)
            if len(found) >= MAX_HITS:
                break
    return found[:MAX_HITS]


def _text_hits(report: Report, term: str) -> Iterator[Hit]:
    texts = [*report.texts(), *((ATTACHMENT_FIELD, a.original_name)
                                for a in report.all_attachments())]
    for field_name, text in texts:
        folded, origin = _normalised_with_origin(text)
        at = folded.find(term)
        if at == -1:
            continue
        start = origin[at]
        end = origin[at + len(term) - 1] + 1
        before = text[max(0, start - EXCERPT_CHARS):start]
        after = text[end:end + EXCERPT_CHARS]
        yield Hit(field_name, ("…" if start > EXCERPT_CHARS else "") + before.lstrip(),
                  text[start:end],
                  after.rstrip() + ("…" if end + EXCERPT_CHARS < len(text) else ""))


def _normalised_with_origin(text: str) -> tuple[str, list[int]]:
    """`text` normalised one character at a time, and each output position's source index."""
    parts: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        folded = normalise(character)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin
