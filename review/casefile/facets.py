"""The inbox: rows of case and triage, their order, filters and the counts per filter value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from review.casefile.categories import recognised
from review.casefile.report_reader import Report
from review.triage.record import CLOSED_STATUSES, OPEN_STATUSES, CaseTriage

FACETS = ("status", "category", "state", "country", "assignee", "tag")
# Pseudo-values of the status filter; the inbox shows open cases by default.
STATUS_GROUPS = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
ALL = "all"
UNASSIGNED = "-"
# The narrative's first line as the inbox shows it.
FIRST_LINE_CHARS = 120
# Questionnaire 1.x: "Could this report endanger relatives in your home country?"
RELATIVES_AT_RISK = "relatives_at_risk"


@dataclass(frozen=True)
class CaseRow:
    """One case as the inbox sees it."""

    report: Report
    triage: CaseTriage

    @property
    def categories(self) -> tuple[str, ...]:
        """The reviewer's corrected categories (only those that are categories), else the
        reporter's own."""
        corrected = self.triage.sealed.categories
        return recognised(corrected)[0] if corrected is not None else self.report.categories

    def first_line(self) -> str:
        """The narrative's first non-empty line, cut to FIRST_LINE_CHARS."""
        line = next((t.strip() for t in self.report.story().splitlines() if t.strip()), "")
        return line if len(line) <= FIRST_LINE_CHARS else line[:FIRST_LINE_CHARS].rstrip() + "…"

    @property
    def attachment_count(self) -> int:
        """How many files the report and its follow-ups carry."""
        return sum(1 for _ in self.report.all_attachments())

    @property
    def relatives_at_risk(self) -> object:
        """The reporter's answer to "could this endanger relatives?" (None if unanswered)."""
        return self.report.answers.get(RELATIVES_AT_RISK)

    def values(self, facet: str) -> set[str]:
        """The values this case has for `facet`."""
        if facet == "status":
            return {self.triage.status}
        if facet == "category":
            return set(self.categories)
        if facet == "state":
            return {self.report.state} if self.report.state else set()
        if facet == "country":
            return {self.report.country} if self.report.country else set()
        if facet == "assignee":
            return {self.triage.assignee or UNASSIGNED}
        if facet == "tag":
            return set(self.triage.sealed.tags)
        raise KeyError(facet)

    def matches(self, facet: str, wanted: str) -> bool:
        """Whether this case passes the filter `facet` = `wanted`."""
        if facet == "status" and wanted in STATUS_GROUPS:
            return self.triage.status in STATUS_GROUPS[wanted]
        return wanted in self.values(facet)


def ordered(rows: Iterable[CaseRow]) -> list[CaseRow]:
    """Urgent (immediate danger) first, then new, then by priority; newest first within each."""
    by_day = sorted(rows, key=lambda r: (r.report.received_day, r.report.id), reverse=True)
    return sorted(
        by_day,
        key=lambda r: (
            not (r.report.urgent and not r.triage.closed),
            r.triage.status != "new",
            -r.triage.priority,
        ),
    )


@dataclass(frozen=True)
class InboxView:
    """A search and its filters, kept in the session's memory behind an opaque id.

    Search terms and filter values (tags, countries) reveal case content, so
    they never travel in a URL, where the browser's history would keep them.
    """

    query: str = ""
    filters: tuple[tuple[str, str], ...] = ()

    def with_filter(self, facet: str, value: str) -> InboxView:
        """A copy with `facet` set to `value` (an empty value clears it)."""
        if facet not in FACETS:
            raise KeyError(facet)
        kept = tuple((f, v) for f, v in self.filters if f != facet)
        return InboxView(self.query, (*kept, (facet, value)) if value else kept)

    def with_query(self, query: str) -> InboxView:
        """A copy searching for `query`."""
        return InboxView(query, self.filters)

    def active_filters(self) -> dict[str, str]:
        """The facet filters in force (status defaults to open cases)."""
        return active_filters(dict(self.filters))


def active_filters(arguments: Mapping[str, str]) -> dict[str, str]:
    """The facet filters in a mapping of facet -> value (status defaults to open cases)."""
    filters = {f: arguments[f] for f in FACETS if arguments.get(f)}
    filters.setdefault("status", "open")
    if filters["status"] == ALL:
        del filters["status"]
    return filters


def apply(
    rows: Iterable[CaseRow], filters: Mapping[str, str]
) -> tuple[list[CaseRow], dict[str, Counter[str]]]:
    """The rows passing every filter, and for each facet the counts under the *other* filters.

    Counting each facet without its own filter is what lets a reviewer see how
    many cases choosing another value would show.
    """
    counts: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    kept: list[CaseRow] = []
    # A status group (open, closed) is the view, not one value of the facet: the
    # status counts follow it, so "Open cases" never counts closed ones.
    grouped = filters.get("status") in STATUS_GROUPS
    for row in rows:
        failed = [f for f, wanted in filters.items() if not row.matches(f, wanted)]
        if not failed:
            kept.append(row)
        for facet in FACETS:
            own_filter_only = failed == [facet] and not (facet == "status" and grouped)
            if not failed or own_filter_only:
                counts[facet].update(row.values(facet))
    return ordered(kept), counts
