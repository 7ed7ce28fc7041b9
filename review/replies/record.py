"""What a reply says (a canned status, free text, or both) and how it is sealed at rest.

Until it is sent, a reply is what the team will tell a frightened person
about their case: it is sealed with age to every reviewer, as notes are, and
never written in the clear (not in the audit log either, which records only
that a reply was written).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keys
from contracts.replies import MAX_TEXT_CHARS, STATUSES
from review.errors import ReplyError


@dataclass(frozen=True)
class ReplyContent:
    """The words of one reply: a status name of contracts.replies, a text, or both."""

    status: str | None
    text: str

    @classmethod
    def checked(cls, *, status: str | None, text: str) -> ReplyContent:
        """A reply from a reviewer's input, or ReplyError saying what is wrong with it."""
        status = status or None
        # Only line-end normalisation: the reviewer's words reach the reporter as written.
        text = text.replace("\r\n", "\n").strip()
        if status is not None and status not in STATUSES:
            raise ReplyError(f"unknown reply status {status!r}")
        if len(text) > MAX_TEXT_CHARS:
            raise ReplyError(f"a reply's text has at most {MAX_TEXT_CHARS} characters")
        if status is None and not text:
            raise ReplyError("a reply needs a status, a text, or both")
        return cls(status, text)

    def to_json(self) -> bytes:
        """The canonical JSON that is sealed."""
        body = {"status": self.status, "text": self.text}
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> ReplyContent:
        """Read what `to_json` wrote."""
        body: dict[str, Any] = json.loads(raw.decode("utf-8"))
        return cls(body.get("status"), str(body.get("text", "")))


def seal_reply(content: ReplyContent, *, recipients: Sequence[keys.Recipient]) -> bytes:
    """Encrypt a reply to every reviewer of the workspace."""
    return keys.encrypt(content.to_json(), recipients=list(recipients))


def unseal_reply(blob: bytes, *, identities: Sequence[keys.Identity]) -> ReplyContent:
    """Decrypt a sealed reply (NoIdentityMatchError if it was sealed before this reviewer)."""
    return ReplyContent.from_json(keys.decrypt(blob, identities=list(identities)))
