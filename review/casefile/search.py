"""The in-memory search index over decrypted answers, built after unlock and never written."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from review.casefile.report_reader import Report
from review.casefile.textnorm import normalise, query_tokens, tokens


@dataclass
class SearchIndex:
    """An n-gram inverted index with a substring check that removes false positives."""

    _ids: list[str] = field(default_factory=list)
    _texts: list[str] = field(default_factory=list)
    _postings: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, reports: Iterable[Report]) -> SearchIndex:
        """Index every answer, follow-up message and attachment name of `reports`."""
        index = cls()
        for report in reports:
            index.add(report)
        return index

    def add(self, report: Report) -> None:
        """Index one report."""
        parts = [text for _, text in report.texts()]
        parts.extend(a.original_name for a in report.all_attachments())
        self._add(report.id, normalise("\n".join(parts)))

    def _add(self, case_id: str, text: str) -> None:
        position = len(self._ids)
        self._ids.append(case_id)
        self._texts.append(text)
        for token in tokens(text):
            self._postings.setdefault(token, []).append(position)

    def without(self, case_ids: Collection[str]) -> SearchIndex:
        """A new index of every report but `case_ids`, whose text it no longer holds."""
        kept = SearchIndex()
        for case_id, text in zip(self._ids, self._texts, strict=True):
            if case_id and case_id not in case_ids:
                kept._add(case_id, text)
        return kept

    def drop(self, case_id: str) -> None:
        """Forget one report's text in place (before indexing it again with `add`).

        Its slot is emptied rather than removed, so positions in the postings
        stay valid: an empty text matches no term, and `without` skips it.
        """
        for position, indexed in enumerate(self._ids):
            if indexed == case_id:
                self._ids[position] = ""
                self._texts[position] = ""

    def search(self, query: str) -> list[str]:
        """Ids of the reports that contain every whitespace-separated term of `query`."""
        terms = [t for t in normalise(query).split() if t]
        if not terms:
            return []
        candidates = self._candidates(query_tokens(" ".join(terms)))
        return [
            self._ids[p] for p in candidates
            if self._ids[p] and all(term in self._texts[p] for term in terms)
        ]

    def _candidates(self, wanted: set[str]) -> list[int]:
        if not wanted:
            # Nothing indexable (a single Latin letter, say): check every document.
            return list(range(len(self._ids)))
        lists = sorted((self._postings.get(t, []) for t in wanted), key=len)
        result = set(lists[0])
        for posting in lists[1:]:
            result.intersection_update(posting)
            if not result:
                break
        return sorted(result)

    def __len__(self) -> int:
        return sum(1 for case_id in self._ids if case_id)
