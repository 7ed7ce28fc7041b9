"""Links between cases that share an identifier ("also in cases ...")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from review.casefile.identifiers import Identifier, extract
from review.casefile.report_reader import Report


@dataclass
class RelatedIndex:
    """Identifier -> cases, and case -> identifiers, over the reports a reviewer can read."""

    by_identifier: dict[Identifier, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_case: dict[str, set[Identifier]] = field(default_factory=dict)

    @classmethod
    def build(cls, reports: Iterable[Report]) -> RelatedIndex:
        """Extract the identifiers of every report."""
        index = cls()
        for report in reports:
            found = extract(report)
            index.by_case[report.id] = found
            for identifier in found:
                index.by_identifier[identifier].add(report.id)
        return index

    def without(self, case_ids: Collection[str]) -> RelatedIndex:
        """A new index of every report but `case_ids`."""
        kept = RelatedIndex()
        for case_id, found in self.by_case.items():
            if case_id in case_ids:
                continue
            kept.by_case[case_id] = found
            for identifier in found:
                kept.by_identifier[identifier].add(case_id)
        return kept

    def related(self, case_id: str) -> list[tuple[Identifier, list[str]]]:
        """Each identifier of `case_id` with the other cases it also appears in."""
        shared = []
        for identifier in sorted(self.by_case.get(case_id, ())):
            others = sorted(self.by_identifier[identifier] - {case_id})
            shared.append((identifier, others))
        return shared
