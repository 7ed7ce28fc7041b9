"""The cases one unlocked reviewer can read, decrypted into memory with their indexes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
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

    @classmethod
    def build(
        cls,
        workspace: Workspace,
        *,
        identities: Sequence[keys.Identity],
        progress: Progress | None = None,
    ) -> CaseLibrary:
        """Decrypt every report this reviewer can open, then index them."""
        reports: dict[str, Report] = {}
        damaged: list[str] = []
        not_for_me = 0
        with workspace.sessions() as session:
            submissions = list(
                session.scalars(select(Submission).options(selectinload(Submission.files)))
            )
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
        for case_id, items in follow_ups.items():
            items.sort(key=lambda f: arrival[f.id])
            if case_id in reports:
                reports[case_id] = replace(reports[case_id], follow_ups=tuple(items))
                continue
            # Its case is not here to join (removed, never imported, damaged, or not
            # encrypted to this reviewer): each follow-up is shown as a case of its own.
            for item in items:
                if item.readable:
                    reports[item.id] = _case_of_its_own(item)
                else:
                    damaged.append(item.id)
        return cls(
            reports=reports,
            search=SearchIndex.build(reports.values()),
            related=RelatedIndex.build(reports.values()),
            damaged=damaged,
            not_for_me=not_for_me,
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
        gone = set(case_ids)
        # New objects swapped in whole: another request of the same session may
        # be iterating the old ones, and must not see them change size under it.
        self.search = self.search.without(gone)
        self.related = self.related.without(gone)
        self.reports = {i: r for i, r in self.reports.items() if i not in gone}
        self.damaged = [i for i in self.damaged if i not in gone]
        self.inspections.forget(gone)


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
