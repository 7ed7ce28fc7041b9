"""The cases one unlocked reviewer can read, decrypted into memory with their indexes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

import keys
from contracts.report import MAX_REPORT_BYTES
from review.casefile.inspections import AttachmentInspections
from review.casefile.related import RelatedIndex
from review.casefile.report_reader import Report, ReportFormatError, parse_report
from review.casefile.search import SearchIndex
from review.errors import WorkspaceError
from review.workspace.models import Submission
from review.workspace.store import Workspace

Progress = Callable[[int, int], None]


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
        for done, submission in enumerate(submissions, 1):
            # One unreadable report is that case's problem, never the unlock's:
            # it is listed as damaged (and can be removed), every other case opens.
            try:
                plaintext = _decrypt_report(workspace, submission, identities)
                reports[submission.id] = parse_report(
                    submission.id, submission.received_day, plaintext
                )
            except keys.NoIdentityMatchError:
                not_for_me += 1
            except (keys.AgeError, ReportFormatError, WorkspaceError, OSError):
                damaged.append(submission.id)
            if progress is not None:
                progress(done, len(submissions))
        return cls(
            reports=reports,
            search=SearchIndex.build(reports.values()),
            related=RelatedIndex.build(reports.values()),
            damaged=damaged,
            not_for_me=not_for_me,
        )

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
