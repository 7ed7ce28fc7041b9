"""Changes to a case's triage, each committed together with its audit entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

import keys
from review.casefile.categories import CATEGORY_LABELS, sort_known
from review.clock import WallClock, utc_now
from review.replies.writing import reseal_stale_replies
from review.triage.record import (
    MAX_NOTE_LENGTH,
    PRIORITIES,
    STATUSES,
    CaseTriage,
    Note,
    Sealed,
    SealedBeforeJoining,
    TriageError,
    reviewer_set_digest,
    seal,
    unseal,
)
from review.workspace import audit
from review.workspace.models import Reviewer, Triage
from review.workspace.store import Workspace


@dataclass(frozen=True)
class Casework:
    """Triage operations for one unlocked reviewer."""

    workspace: Workspace
    reviewer: str
    identities: tuple[keys.Identity, ...]
    clock: WallClock = utc_now

    def load(self, known: dict[str, CaseTriage], case_ids: set[str]) -> dict[str, CaseTriage]:
        """Triage of `case_ids`, unsealing again only rows changed since `known` was read."""
        fresh: dict[str, CaseTriage] = {}
        with self.workspace.sessions() as session:
            for row in session.scalars(select(Triage)):
                if row.submission_id not in case_ids:
                    continue
                cached = known.get(row.submission_id)
                if cached is not None and cached.revision == row.revision:
                    fresh[row.submission_id] = cached
                else:
                    fresh[row.submission_id] = self._view(row)
        return fresh

    def set_status(self, case_ids: Sequence[str], status: str) -> None:
        """Move cases to `status`."""
        if status not in STATUSES:
            raise TriageError(f"unknown status {status!r}")

        def change(row: Triage, _: Sealed) -> None:
            row.status = status

        self._update(case_ids, "status", status, change)

    def set_priority(self, case_ids: Sequence[str], priority: int) -> None:
        """Set the priority of cases."""
        if priority not in PRIORITIES:
            raise TriageError(f"unknown priority {priority!r}")

        def change(row: Triage, _: Sealed) -> None:
            row.priority = priority

        self._update(case_ids, "priority", str(priority), change)

    def assign(self, case_ids: Sequence[str], assignee: str | None) -> None:
        """Assign cases to a reviewer of this workspace, or to nobody."""
        with self.workspace.sessions() as session:
            if assignee is not None and session.get(Reviewer, assignee) is None:
                raise TriageError(f"{assignee!r} is not a reviewer of this workspace")

        def change(row: Triage, _: Sealed) -> None:
            row.assignee = assignee

        self._update(case_ids, "assign", assignee or "-", change)

    def add_note(self, case_id: str, text: str) -> None:
        """Append a note; its text goes only into the sealed record, never the audit log."""
        text = text.strip()
        if not text or len(text) > MAX_NOTE_LENGTH:
            raise TriageError(f"a note must have 1 to {MAX_NOTE_LENGTH} characters")
        note = Note(self.reviewer, self.clock().isoformat(), text)
        self._update([case_id], "note", "added", lambda _, s: s.with_note(note))

    def add_tags(self, case_ids: Sequence[str], tags: Sequence[str]) -> None:
        """Add tags to cases (bulk-friendly: existing tags are kept)."""
        self._update(case_ids, "tags", "added", lambda _, s: s.with_tags([*s.tags, *tags]))

    def set_tags(self, case_id: str, tags: Sequence[str]) -> None:
        """Replace the tags of one case."""
        self._update([case_id], "tags", "set", lambda _, s: s.with_tags(tags))

    def set_categories(self, case_id: str, categories: Sequence[str] | None) -> None:
        """Correct the categories to some of the questionnaire's, or (None) return to the
        reporter's own choice. Anything else is refused: a free-text category would
        become a filter and a dashboard bar of its own."""
        unknown = sorted(set(categories or ()) - set(CATEGORY_LABELS))
        if unknown:
            raise TriageError(f"not categories of the questionnaire: {', '.join(unknown)}")
        corrected = None if categories is None else sort_known(categories)
        self._update([case_id], "categories", "corrected" if corrected is not None else "reset",
                     lambda _, s: replace(s, categories=corrected))

    def set_triage(self, case_id: str, *, status: str, priority: int,
                   assignee: str | None) -> None:
        """Set status, priority and assignee of one case together: all change, or none."""
        if status not in STATUSES:
            raise TriageError(f"unknown status {status!r}")
        if priority not in PRIORITIES:
            raise TriageError(f"unknown priority {priority!r}")
        with self.workspace.transaction() as session:
            if assignee is not None and session.get(Reviewer, assignee) is None:
                raise TriageError(f"{assignee!r} is not a reviewer of this workspace")
            row = session.get(Triage, case_id)
            if row is None:
                raise TriageError(f"no case {case_id}")
            changes = [(field, value) for field, value, current in (
                ("status", status, row.status),
                ("priority", str(priority), str(row.priority)),
                ("assign", assignee or "-", row.assignee or "-"),
            ) if value != current]
            row.status, row.priority, row.assignee = status, priority, assignee
            if changes:
                row.revision += 1
            for action, detail in changes:
                audit.append(session, actor=self.reviewer, action=action,
                             subject=f"case:{case_id}", detail=detail, clock=self.clock)

    def link(self, case_id: str, other_id: str, *, present: bool = True) -> None:
        """Link (or unlink) two cases, recording the link on both in one transaction."""
        if case_id == other_id:
            raise TriageError("a case cannot be linked to itself")
        verb = "link" if present else "unlink"
        with self.workspace.transaction() as session:
            sealing = self._recipients(session)
            self._apply(session, sealing, case_id, verb, other_id,
                        lambda _, s: s.with_link(other_id, present=present))
            self._apply(session, sealing, other_id, verb, case_id,
                        lambda _, s: s.with_link(case_id, present=present))

    def decide_link(self, case_id: str, other_id: str, *, kind: str, value: str,
                    confirmed: bool) -> None:
        """Confirm (link the two cases) or dismiss a suggested link by a shared identifier.

        Both cases record the decision, sealed, in one transaction; the audit
        log says who decided what about which cases and the identifier's kind,
        never its value (that is the reporter's text).
        """
        if case_id == other_id:
            raise TriageError("a case cannot be linked to itself")
        action = "link-confirmed" if confirmed else "link-dismissed"

        def decide(other: str) -> Callable[[Triage, Sealed], Sealed]:
            if confirmed:
                return lambda _, s: s.with_link(other, present=True)
            return lambda _, s: s.with_dismissed(other, kind, value)

        with self.workspace.transaction() as session:
            sealing = self._recipients(session)
            self._apply(session, sealing, case_id, action, f"{other_id} ({kind})",
                        decide(other_id))
            self._apply(session, sealing, other_id, action, f"{case_id} ({kind})",
                        decide(case_id))

    def _update(
        self,
        case_ids: Sequence[str],
        action: str,
        detail: str,
        change: Callable[[Triage, Sealed], Sealed | None],
    ) -> None:
        # All cases of a bulk action change together, or none does.
        with self.workspace.transaction() as session:
            sealing = self._recipients(session)
            for case_id in case_ids:
                self._apply(session, sealing, case_id, action, detail, change)

    def _apply(
        self,
        session: Session,
        sealing: tuple[list[keys.Recipient], str],
        case_id: str,
        action: str,
        detail: str,
        change: Callable[[Triage, Sealed], Sealed | None],
    ) -> None:
        recipients, digest = sealing
        row = session.get(Triage, case_id)
        if row is None:
            raise TriageError(f"no case {case_id}")
        try:
            current = unseal(row.sealed, identities=self.identities)
        except keys.NoIdentityMatchError:
            # Resealing without reading would destroy other reviewers' notes.
            raise SealedBeforeJoining(case_id) from None
        changed = change(row, current)
        if changed is not None:
            row.sealed = seal(changed, recipients=recipients)
            row.sealed_for = digest
        row.revision += 1
        audit.append(session, actor=self.reviewer, action=action,
                     subject=f"case:{case_id}", detail=detail, clock=self.clock)

    def reseal_stale(self) -> int:
        """Reseal, to today's reviewers, every sealed record and reply this reviewer can
        read that was sealed to an older set; returns how many were resealed."""
        resealed = 0
        with self.workspace.transaction() as session:
            recipients, digest = self._recipients(session)
            stale = select(Triage).where(Triage.sealed.is_not(None),
                                         Triage.sealed_for.is_distinct_from(digest))
            for row in session.scalars(stale):
                try:
                    content = unseal(row.sealed, identities=self.identities)
                except keys.NoIdentityMatchError:
                    continue
                row.sealed = seal(content, recipients=recipients)
                row.sealed_for = digest
                row.revision += 1
                resealed += 1
            # Replies waiting to be sent are sealed like notes, and resealed with them.
            replies = reseal_stale_replies(
                session, identities=self.identities,
                recipients=[r.recipient for r in session.scalars(select(Reviewer))])
            if resealed or replies:
                audit.append(session, actor=self.reviewer, action="reseal", subject="workspace",
                             detail=f"{resealed} triage records and {replies} replies resealed "
                                    "to the current reviewers",
                             clock=self.clock)
        return resealed + replies

    def _view(self, row: Triage) -> CaseTriage:
        try:
            sealed = unseal(row.sealed, identities=self.identities)
        except keys.NoIdentityMatchError:
            return CaseTriage(row.status, row.priority, row.assignee, row.revision,
                              sealed_unreadable=True, news=row.news)
        return CaseTriage(row.status, row.priority, row.assignee, row.revision, sealed,
                          news=row.news)

    def seen_news(self, case_id: str) -> bool:
        """Clear a case's news flag as a reviewer opens it; True if it was set."""
        with self.workspace.transaction() as session:
            row = session.get(Triage, case_id)
            if row is None or not row.news:
                return False
            row.news = False
            row.revision += 1
            audit.append(session, actor=self.reviewer, action="news-seen",
                         subject=f"case:{case_id}", detail="follow-ups seen", clock=self.clock)
        return True

    @staticmethod
    def _recipients(session: Session) -> tuple[list[keys.Recipient], str]:
        texts = [r.recipient for r in session.scalars(select(Reviewer))]
        return [keys.parse_recipient(t) for t in texts], reviewer_set_digest(texts)
