"""Triage vocabulary and the sealed triage record (notes, tags, links, corrected categories).

Status, priority and assignee stay in the clear: they describe the team's
workflow, not what happened to the reporter, and keeping them readable lets the
inbox be sorted without decrypting anything. Everything a reviewer writes about
the case itself reveals its content and is sealed with age to every reviewer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import keys

OPEN_STATUSES = ("new", "in_review", "needs_information", "referred")
CLOSED_STATUSES = ("closed_resolved", "closed_duplicate", "closed_spam", "closed_out_of_scope")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES
# 0 is the default; higher sorts first.
PRIORITIES = (0, 1, 2)
MAX_TAG_LENGTH = 64
MAX_NOTE_LENGTH = 20_000


class TriageError(ValueError):
    """A triage change that the workflow does not allow."""


# The refusals a reviewer meets from the app's own forms, each its own kind, so
# the pages can say them in the reviewer's language (review/web); the message
# stays the workflow's English for the command line and the log.
class TagTooLong(TriageError):
    """A tag longer than MAX_TAG_LENGTH characters."""


class SealedBeforeJoining(TriageError):
    """The case's notes were sealed before this reviewer joined: writing would lose them."""

    def __init__(self, case_id: str) -> None:
        super().__init__(
            f"the notes of case {case_id[:8]} were sealed before you joined; they become "
            "yours once a reviewer who can read them unlocks"
        )
        self.case_id = case_id


@dataclass(frozen=True)
class Note:
    """A reviewer's note on a case."""

    author: str
    at: str
    text: str


@dataclass(frozen=True)
class Sealed:
    """The content-revealing part of a case's triage, plaintext only in memory."""

    notes: tuple[Note, ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    # None means "as the reporter chose"; a tuple is the reviewer's correction.
    categories: tuple[str, ...] | None = None
    # Suggested links a reviewer dismissed: (other case, identifier kind, value).
    # A confirmed suggestion is a link in `links`. Kept sealed: an identifier is
    # what the reporter wrote, and which cases share it reveals content.
    dismissed: tuple[tuple[str, str, str], ...] = ()

    def with_note(self, note: Note) -> Sealed:
        """A copy with `note` appended."""
        return replace(self, notes=(*self.notes, note))

    def with_tags(self, tags: Sequence[str]) -> Sealed:
        """A copy with the tags replaced by the cleaned, de-duplicated `tags`."""
        return replace(self, tags=clean_tags(tags))

    def with_link(self, case_id: str, *, present: bool) -> Sealed:
        """A copy with a link to `case_id` added or removed."""
        links = set(self.links) | {case_id} if present else set(self.links) - {case_id}
        return replace(self, links=tuple(sorted(links)))

    def with_dismissed(self, case_id: str, kind: str, value: str) -> Sealed:
        """A copy in which the suggestion "shares `kind` `value` with `case_id`" is dismissed."""
        dismissed = set(self.dismissed) | {(case_id, kind, value)}
        return replace(self, dismissed=tuple(sorted(dismissed)))

    def is_dismissed(self, case_id: str, kind: str, value: str) -> bool:
        """Whether a reviewer dismissed the suggestion to link `case_id` by this identifier."""
        return (case_id, kind, value) in self.dismissed

    def to_json(self) -> bytes:
        """The canonical JSON that is sealed."""
        body: dict[str, Any] = {
            "notes": [{"author": n.author, "at": n.at, "text": n.text} for n in self.notes],
            "tags": list(self.tags),
            "links": list(self.links),
            "categories": None if self.categories is None else list(self.categories),
            "dismissed": [list(entry) for entry in self.dismissed],
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Sealed:
        """Read what `to_json` wrote."""
        body = json.loads(raw.decode("utf-8"))
        categories = body.get("categories")
        return cls(
            notes=tuple(Note(n["author"], n["at"], n["text"]) for n in body.get("notes", [])),
            tags=tuple(body.get("tags", [])),
            links=tuple(body.get("links", [])),
            categories=None if categories is None else tuple(categories),
            # Absent from records sealed before suggestions could be dismissed.
            dismissed=tuple((str(o), str(k), str(v)) for o, k, v in body.get("dismissed", [])),
        )


def clean_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Trim, drop empties, refuse overlong tags, de-duplicate, sort."""
    cleaned = {" ".join(t.split()) for t in tags}
    cleaned.discard("")
    if any(len(t) > MAX_TAG_LENGTH for t in cleaned):
        raise TagTooLong(f"a tag is longer than {MAX_TAG_LENGTH} characters")
    return tuple(sorted(cleaned))


def reviewer_set_digest(recipients: Sequence[str]) -> str:
    """A digest naming a set of recipients, independent of order."""
    return hashlib.sha256("\n".join(sorted(recipients)).encode("ascii")).hexdigest()


def seal(content: Sealed, *, recipients: Sequence[keys.Recipient]) -> bytes:
    """Encrypt the triage content to every reviewer of the workspace."""
    return keys.encrypt(content.to_json(), recipients=list(recipients))


def unseal(blob: bytes | None, *, identities: Sequence[keys.Identity]) -> Sealed:
    """Decrypt triage content (an absent blob is empty triage)."""
    if blob is None:
        return Sealed()
    return Sealed.from_json(keys.decrypt(blob, identities=list(identities)))


@dataclass(frozen=True)
class CaseTriage:
    """The full triage of one case as a session sees it."""

    status: str = "new"
    priority: int = 0
    assignee: str | None = None
    revision: int = 0
    sealed: Sealed = field(default_factory=Sealed)
    # True when the sealed part predates this reviewer and nobody has resealed it yet.
    sealed_unreadable: bool = False
    # A follow-up came that no reviewer has opened the case since.
    news: bool = False

    @property
    def closed(self) -> bool:
        """True once the case reached one of the closed statuses."""
        return self.status in CLOSED_STATUSES
