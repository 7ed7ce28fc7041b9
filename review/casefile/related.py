"""Links between cases that share an identifier ("also in cases ..."), and why.

Each link says which identifier the two cases share and where it appears in
each (the answer and an excerpt), because a reviewer must judge a suggested
link before acting on it. An unresolved identifier (a national number of
unknown country, a handle of unknown platform) links loosely to the resolved
ones it could be (review/casefile/identifiers.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from review.casefile.identifiers import Identifier, Occurrence, find
from review.casefile.report_reader import Report


@dataclass(frozen=True)
class SharedIn:
    """Another case holding an identifier: how it spells it there, and where."""

    case_id: str
    identifier: Identifier
    occurrences: tuple[Occurrence, ...]


@dataclass(frozen=True)
class Link:
    """One identifier of a case, where it appears, and the other cases that share it."""

    identifier: Identifier
    occurrences: tuple[Occurrence, ...]
    others: tuple[SharedIn, ...]


@dataclass
class RelatedIndex:
    """Identifier -> cases, and case -> identifiers with their places."""

    by_identifier: dict[Identifier, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_case: dict[str, dict[Identifier, tuple[Occurrence, ...]]] = field(default_factory=dict)
    # loose key -> the identifiers that have it (identifiers.Identifier.loose).
    by_loose: dict[tuple[str, str], set[Identifier]] = field(
        default_factory=lambda: defaultdict(set))

    @classmethod
    def build(cls, reports: Iterable[Report]) -> RelatedIndex:
        """Extract the identifiers of every report."""
        index = cls()
        for report in reports:
            index.add(report)
        return index

    def add(self, report: Report) -> None:
        """Index one report (a new case, or one whose old entry was dropped with `without`)."""
        self._add(report.id, find(report))

    def _add(self, case_id: str, found: dict[Identifier, tuple[Occurrence, ...]]) -> None:
        self.by_case[case_id] = found
        for identifier in found:
            self.by_identifier[identifier].add(case_id)
            loose = identifier.loose
            if loose is not None:
                self.by_loose[loose].add(identifier)

    def drop(self, case_id: str) -> None:
        """Forget one report's identifiers in place (before indexing it again with `add`)."""
        for identifier in self.by_case.pop(case_id, {}):
            cases = self.by_identifier.get(identifier)
            if cases is not None:
                cases.discard(case_id)
                if not cases:
                    del self.by_identifier[identifier]

    def without(self, case_ids: Collection[str]) -> RelatedIndex:
        """A new index of every report but `case_ids`."""
        kept = RelatedIndex()
        for case_id, found in self.by_case.items():
            if case_id not in case_ids:
                kept._add(case_id, found)
        return kept

    def matching(self, identifier: Identifier) -> set[Identifier]:
        """The indexed identifiers `identifier` matches, itself included if indexed."""
        loose = identifier.loose
        candidates = set(self.by_loose.get(loose, ())) if loose is not None else set()
        candidates.add(identifier)
        return {c for c in candidates if self.by_identifier.get(c) and identifier.matches(c)}

    def cases_with(self, identifiers: Iterable[Identifier]) -> set[str]:
        """Every case holding one of `identifiers` in any spelling that matches it."""
        cases: set[str] = set()
        for identifier in identifiers:
            for match in self.matching(identifier):
                cases.update(self.by_identifier.get(match, ()))
        return cases

    def occurrences(self, case_id: str, identifier: Identifier) -> tuple[Occurrence, ...]:
        """Where `case_id` holds an identifier matching `identifier`."""
        found = self.by_case.get(case_id, {})
        return tuple(o for match in self.matching(identifier) for o in found.get(match, ()))

    def links(self, case_id: str) -> list[Link]:
        """Each identifier of `case_id`, where it appears, and every other case sharing it."""
        result = []
        for identifier, places in sorted(self.by_case.get(case_id, {}).items()):
            others = []
            for match in sorted(self.matching(identifier)):
                for other in sorted(self.by_identifier[match] - {case_id}):
                    others.append(SharedIn(other, match, self.by_case[other][match]))
            result.append(Link(identifier, places, tuple(others)))
        return result

    def related(self, case_id: str) -> list[tuple[Identifier, list[str]]]:
        """Each identifier of `case_id` with the other cases it also appears in."""
        return [(link.identifier, sorted({o.case_id for o in link.others}))
                for link in self.links(case_id)]
