"""The cases one unlocked reviewer can read, decrypted into memory with their indexes."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

import keys
from contracts.report import CONSENT, MAX_REPORT_BYTES, NARRATIVE
from review.casefile.follow_up_reader import FollowUp, parse_follow_up
from review.casefile.follow_up_reader import damaged as follow_up_damaged
from review.casefile.identifiers import query_identifiers
from review.casefile.inspections import AttachmentInspections
from review.casefile.related import RelatedIndex
from review.casefile.report_reader import (
    POLICE_COUNTRY,
    Report,
    ReportFormatError,
    parse_report,
)
from review.casefile.search import SearchIndex
from review.errors import WorkspaceError
from review.workspace.models import Submission
from review.workspace.store import Workspace

Progress = Callable[[int, int], None]
# Case ids are 32 hex digits; the inbox shows the first 8, and any unique
# prefix of at least 4 opens its case.
CASE_ID_CHARS = 32
MIN_SHORT_ID = 4


@dataclass
class CaseLibrary:
    """Decrypted reports keyed by case id; lives in a session's memory and nowhere else."""

    reports: dict[str, Report]
    search: SearchIndex
    related: RelatedIndex
    # Cases encrypted to this reviewer whose document could not be read.
    damaged: list[str] = field(default_factory=list)
    # Cases in the workspace not encrypted to this reviewer: counted, never shown.
    not_for_me: int = 0
    # What each viewed case's attachments reveal, inspected on its first view only.
    inspections: AttachmentInspections = field(default_factory=AttachmentInspections)

    # Every submission id this library has read (cases, follow-ups, damaged and
    # not-for-me ones): what a later look at the workspace compares against.
    seen: set[str] = field(default_factory=set)
    # The highest import order (Submission.arrival) read so far.
    arrival_mark: int = 0
    _taking_in: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                       compare=False)

    @classmethod
    def build(
        cls,
        workspace: Workspace,
        *,
        identities: Sequence[keys.Identity],
        progress: Progress | None = None,
    ) -> CaseLibrary:
        """Decrypt every report this reviewer can open, then index them."""
        with workspace.sessions() as session:
            submissions = list(
                session.scalars(select(Submission).options(selectinload(Submission.files)))
            )
        read = _read(workspace, submissions, identities, progress)
        reports, damaged = read.reports, read.damaged
        for case_id, items in read.follow_ups.items():
            if case_id in reports:
                reports[case_id] = replace(reports[case_id], follow_ups=tuple(items))
            else:
                _own_cases(items, reports, damaged)
        return cls(
            reports=reports,
            search=SearchIndex.build(reports.values()),
            related=RelatedIndex.build(reports.values()),
            damaged=damaged,
            not_for_me=read.not_for_me,
            seen={s.id for s in submissions},
            arrival_mark=max((s.arrival or 0 for s in submissions), default=0),
        )

    def take_in_new(self, workspace: Workspace, *,
                    identities: Sequence[keys.Identity]) -> Arrivals:
        """Decrypt and index what was imported since this library was built, and say what came.

        `haven review import` may run while `serve` holds this library. The
        check costs one indexed-free aggregate (the highest import order) per
        request; only submissions above the mark are read, and only those
        this library has not seen are decrypted.
        """
        with self._taking_in:
            with workspace.sessions() as session:
                mark = session.scalar(select(func.max(Submission.arrival))) or 0
                if mark <= self.arrival_mark:
                    return Arrivals()
                fresh = [s for s in session.scalars(
                    select(Submission).where(Submission.arrival > self.arrival_mark)
                    .options(selectinload(Submission.files)).order_by(Submission.arrival))
                    if s.id not in self.seen]
            self.arrival_mark = mark
            read = _read(workspace, fresh, identities, None)
            return self._merge(read, {s.id for s in fresh})

    def _merge(self, read: _Read, ids: set[str]) -> Arrivals:
        reports = dict(self.reports)
        damaged = [*self.damaged, *read.damaged]
        changed: set[str] = set()
        for case_id, report in read.reports.items():
            # Follow-ups that came before their case were shown as cases of their
            # own; with the case here they join it, as they would at unlock.
            waiting = [r for r in reports.values() if r.missing_case == case_id]
            for orphan in waiting:
                del reports[orphan.id]
                changed.add(orphan.id)
            joined = read.follow_ups.pop(case_id, [])
            reports[case_id] = replace(report, follow_ups=tuple(joined))
            changed.add(case_id)
        followed: list[tuple[str, str]] = []
        for case_id, items in read.follow_ups.items():
            if case_id in reports:
                old = reports[case_id]
                reports[case_id] = replace(old, follow_ups=(*old.follow_ups, *items))
                changed.add(case_id)
                followed += [(case_id, item.id) for item in items]
            else:
                before = set(reports)
                _own_cases(items, reports, damaged)
                changed.update(set(reports) - before)
        # Only what changed is indexed again: an arrival costs its own cases'
        # indexing, never the whole library's.
        for case_id in sorted(changed):
            self.search.drop(case_id)
            self.related.drop(case_id)
            if case_id in reports:
                self.search.add(reports[case_id])
                self.related.add(reports[case_id])
        # Swapped in whole: another request may be iterating the old ones.
        self.reports, self.damaged = reports, damaged
        self.not_for_me += read.not_for_me
        self.seen.update(ids)
        # Follow-ups whose case is missing arrive as cases of their own.
        own = sorted(c for c in changed if c in ids and c in reports and c not in read.reports)
        new_cases = (*sorted(read.reports), *own)
        return Arrivals(
            reports=new_cases,
            follow_ups=tuple(followed),
            urgent=tuple(c for c in new_cases if c in reports and reports[c].urgent),
        )

    def find(self, query: str) -> list[str]:
        """Cases whose text holds every term of `query`, and cases holding it as an identifier
        in any spelling ("07911 123456" finds "+44 7911 123456")."""
        found = self.search.search(query)
        listed = set(found)
        found += sorted(self.related.cases_with(query_identifiers(query)) - listed)
        return [case_id for case_id in found if case_id in self.reports]

    def resolve(self, short_id: str) -> str | None:
        """The one readable case whose id starts with `short_id` (as the inbox shows ids)."""
        wanted = short_id.strip().lower()
        if not MIN_SHORT_ID <= len(wanted) <= CASE_ID_CHARS or not wanted.isalnum():
            return None
        if wanted in self.reports:
            return wanted
        found = [case_id for case_id in self.reports if case_id.startswith(wanted)]
        return found[0] if len(found) == 1 else None

    def forget_removed(self, workspace: Workspace, *, triaged: Collection[str]) -> None:
        """Forget the cases removed from `workspace` since this library was built.

        `haven review remove` may run while `serve` holds this library: a report
        whose triage row (`triaged`, as just read) is gone, and a damaged case no
        longer in the workspace, are dropped with their index entries, so the
        pages never look up a case that is not there and its decrypted text
        does not stay in memory.
        """
        gone = set(self.reports).difference(triaged)
        if self.damaged:
            with workspace.sessions() as session:
                present = set(session.scalars(
                    select(Submission.id).where(Submission.id.in_(self.damaged))))
            gone.update(set(self.damaged) - present)
        if gone:
            self.forget(gone)

    def forget(self, case_ids: Collection[str]) -> None:
        """Drop `case_ids`: their decrypted reports, attachment findings and index entries."""
        with self._taking_in:
            self._forget(set(case_ids))

    def _forget(self, gone: set[str]) -> None:
        # New objects swapped in whole: another request of the same session may
        # be iterating the old ones, and must not see them change size under it.
        self.search = self.search.without(gone)
        self.related = self.related.without(gone)
        self.reports = {i: r for i, r in self.reports.items() if i not in gone}
        self.damaged = [i for i in self.damaged if i not in gone]
        self.inspections.forget(gone)


@dataclass(frozen=True)
class Arrivals:
    """What an import brought while a reviewer was unlocked: new cases, and cases followed up."""

    reports: tuple[str, ...] = ()
    # (case id, follow-up id) of each follow-up that joined a case already here.
    follow_ups: tuple[tuple[str, str], ...] = ()
    # The new cases whose reporter said someone is in immediate danger.
    urgent: tuple[str, ...] = ()

    @property
    def followed_cases(self) -> tuple[str, ...]:
        """The cases that got follow-ups, each once."""
        return tuple(dict.fromkeys(case_id for case_id, _ in self.follow_ups))

    def __bool__(self) -> bool:
        return bool(self.reports or self.follow_ups)

    def __add__(self, other: Arrivals) -> Arrivals:
        def joined(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(dict.fromkeys((*a, *b)))

        return Arrivals(joined(self.reports, other.reports),
                        joined(self.follow_ups, other.follow_ups),
                        joined(self.urgent, other.urgent))


@dataclass
class _Read:
    """Submissions decrypted: reports, follow-ups by their case, what could not be read."""

    reports: dict[str, Report]
    follow_ups: dict[str, list[FollowUp]]
    damaged: list[str]
    not_for_me: int


def _read(workspace: Workspace, submissions: Sequence[Submission],
          identities: Sequence[keys.Identity], progress: Progress | None) -> _Read:
    reports: dict[str, Report] = {}
    damaged: list[str] = []
    not_for_me = 0
    follow_ups: dict[str, list[FollowUp]] = defaultdict(list)
    for done, submission in enumerate(submissions, 1):
        # One unreadable document is that case's (or follow-up's) problem, never the
        # unlock's: it is listed as damaged (and can be removed), everything else opens.
        try:
            plaintext = _decrypt_report(workspace, submission, identities)
            if submission.follows is None:
                reports[submission.id] = parse_report(
                    submission.id, submission.received_day, plaintext
                )
            else:
                follow_ups[submission.follows].append(parse_follow_up(
                    submission.id, submission.follows, submission.received_day, plaintext))
        except keys.NoIdentityMatchError:
            not_for_me += 1
        except (keys.AgeError, ReportFormatError, WorkspaceError, OSError):
            if submission.follows is None:
                damaged.append(submission.id)
            else:
                follow_ups[submission.follows].append(follow_up_damaged(
                    submission.id, submission.follows, submission.received_day))
        if progress is not None:
            progress(done, len(submissions))
    arrival = {s.id: (s.received_day, s.arrival or 0, s.id) for s in submissions}
    for items in follow_ups.values():
        items.sort(key=lambda f: arrival[f.id])
    return _Read(reports, dict(follow_ups), damaged, not_for_me)


def _own_cases(items: Sequence[FollowUp], reports: dict[str, Report],
               damaged: list[str]) -> None:
    # Their case is not here to join (removed, never imported, damaged, or not
    # encrypted to this reviewer): each follow-up is shown as a case of its own.
    for item in items:
        if item.readable:
            reports[item.id] = _case_of_its_own(item)
        else:
            damaged.append(item.id)


def _case_of_its_own(follow_up: FollowUp) -> Report:
    """A follow-up whose case is missing, laid out as a case: its message is the story."""
    answers: dict[str, Any] = {NARRATIVE: follow_up.message}
    if follow_up.consent is not None:
        answers[CONSENT] = list(follow_up.consent.consent)
        answers[POLICE_COUNTRY] = follow_up.consent.police_country
    return Report(id=follow_up.id, received_day=follow_up.received_day,
                  language=follow_up.language, urgent=False, answers=answers,
                  attachments=follow_up.attachments, missing_case=follow_up.follows)


def _decrypt_report(
    workspace: Workspace, submission: Submission, identities: Sequence[keys.Identity]
) -> bytes:
    """The report's plaintext, streamed and cut off past MAX_REPORT_BYTES."""
    report_file = next((f for f in submission.files if f.kind == "report"), None)
    if report_file is None:
        raise WorkspaceError(f"submission {submission.id} has no report")
    with (
        workspace.object_path(report_file.sha256).open("rb") as source,
        keys.decrypting(source, identities=identities) as reader,
    ):
        plaintext = reader.read(MAX_REPORT_BYTES + 1)
    if len(plaintext) > MAX_REPORT_BYTES:
        raise ReportFormatError(f"larger than {MAX_REPORT_BYTES} bytes")
    return plaintext
