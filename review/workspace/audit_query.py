"""Reading the audit log back a page at a time: all of it, or what concerns one case.

An entry concerns a case when its subject is the case or one of its files
(case:ID, case:ID/NAME), or when it is an evidence package's entry whose facts
list the case. Case ids are 32 hex digits, so the full id never occurs inside
another value of the facts by chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from review.workspace.models import AuditEntry, RemovedSubmission, Triage

# What `haven review audit show` and the page show at once; --limit and ?page= go further.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000
# As the inbox's short ids: at least this many leading hex digits.
MIN_SHORT_ID = 4
CASE_ID_CHARS = 32
# Entries of an evidence package name their cases in facts, not in the subject.
_EXPORT_ACTIONS = ("export", "export-override", "export-failed")


@dataclass(frozen=True)
class Page:
    """Some entries, newest first, and how many there are in all."""

    entries: Sequence[AuditEntry]
    total: int
    offset: int


def _concerning(case_id: str) -> ColumnElement[bool]:
    return or_(
        AuditEntry.subject == f"case:{case_id}",
        AuditEntry.subject.startswith(f"case:{case_id}/", autoescape=True),
        and_(AuditEntry.action.in_(_EXPORT_ACTIONS),
             AuditEntry.facts.contains(case_id, autoescape=True)),
    )


def page_of_entries(session: Session, *, case_id: str | None = None, offset: int = 0,
                    limit: int = PAGE_SIZE) -> Page:
    """Entries from `offset` counted from the newest, at most `limit`, newest first."""
    where = _concerning(case_id) if case_id is not None else and_(True)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
    entries = list(session.scalars(
        select(AuditEntry).where(where).order_by(AuditEntry.seq.desc())
        .offset(max(offset, 0)).limit(max(1, min(limit, MAX_PAGE_SIZE)))))
    return Page(entries, total, max(offset, 0))


def resolve_case(session: Session, short_id: str) -> str | None:
    """The one case whose id starts with `short_id`: a case in the workspace, or one removed
    (its entries stay in the log). None when there is no such case, or more than one."""
    wanted = short_id.strip().lower()
    if not MIN_SHORT_ID <= len(wanted) <= CASE_ID_CHARS or not all(
            char in "0123456789abcdef" for char in wanted):
        return None
    found: set[str] = set()
    for column in (Triage.submission_id, RemovedSubmission.id):
        found.update(session.scalars(
            select(column).where(column.startswith(wanted, autoescape=True)).limit(2)))
    return found.pop() if len(found) == 1 else None
