"""The hash-chained audit log: every entry commits to the one before it.

An entry is appended in the same database transaction as the change it records,
so a change without its audit entry (or the reverse) can never be committed.
Editing, removing or reordering entries breaks the chain at the first entry
touched. The chain is plain SHA-256 with no secret, so whoever holds the
workspace can rewrite it whole and consistently; only a head recorded outside
the workspace catches that. A head is "SEQ:DIGEST": entry SEQ and its digest.
It commits to every entry up to SEQ and to nothing after, so a recorded head
stays checkable while the chain grows (`verify(expected_heads=...)`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.clock import WallClock, utc_now
from review.errors import HeadFormatError
from review.workspace.models import AuditEntry

GENESIS = "0" * 64
# ASCII digits and lower-case hex only: what `str(Head)` writes, nothing that merely looks alike.
_HEAD = re.compile(r"([0-9]{1,18}):([0-9a-f]{64})")


def entry_digest(
    *, seq: int, at: str, actor: str, action: str, subject: str, detail: str, previous: str,
    facts: str = "",
) -> str:
    """SHA-256 over a canonical encoding of every field, the previous digest included.

    `facts` is covered only when an entry has any, so entries written before
    schema 4 (which had no facts) keep the digests they were chained with.
    """
    body = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail,
        "previous": previous,
    }
    if facts:
        body["facts"] = facts
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: str = "",
    facts: Mapping[str, str] | None = None,
    clock: WallClock = utc_now,
) -> AuditEntry:
    """Add the next entry to the chain inside the caller's transaction.

    `detail` is for the people who read the log; `facts` holds what a program
    reads back later (a bundle's signer, a pinned key's fingerprint).
    """
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq = 1 if last is None else last.seq + 1
    previous = GENESIS if last is None else last.digest
    at = clock().isoformat()
    encoded_facts = encode_facts(facts or {})
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        facts=encoded_facts,
        previous=previous,
        digest=entry_digest(
            seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail,
            previous=previous, facts=encoded_facts,
        ),
    )
    session.add(entry)
    # Flushing now turns a concurrent append with the same seq into an error here.
    session.flush()
    return entry


def encode_facts(facts: Mapping[str, str]) -> str:
    """The canonical text of an entry's facts ("" for none), as stored and hashed."""
    if not facts:
        return ""
    return json.dumps(dict(facts), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def facts_of(entry: AuditEntry) -> dict[str, str]:
    """An entry's facts (empty for entries written before schema 4)."""
    if not entry.facts:
        return {}
    decoded = json.loads(entry.facts)
    return {str(key): str(value) for key, value in decoded.items()}


@dataclass(frozen=True)
class Head:
    """Where the chain stood: entry `seq` and its digest (entry 0 is the genesis digest)."""

    seq: int
    digest: str

    @classmethod
    def parse(cls, text: str) -> Head:
        """The head written as "SEQ:DIGEST", as `str()` writes it."""
        match = _HEAD.fullmatch(text.strip())
        if match is None:
            raise HeadFormatError(
                f"{text.strip()[:80]!r} is not an audit head: it is written SEQ:DIGEST, "
                "the entry's number and its 64 hex digits, as `audit verify` prints it")
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.seq}:{self.digest}"


def current_head(session: Session) -> Head:
    """The head of the chain as it stands (0:GENESIS while it is empty)."""
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return Head(0, GENESIS) if last is None else Head(last.seq, last.digest)


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying the chain."""

    entries: int
    head: Head
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        """True when no entry was edited, removed or reordered, and every recorded head holds."""
        return self.first_bad_seq is None


def verify(session: Session, *, expected_heads: Sequence[Head] = ()) -> Verdict:
    """Walk the chain in order; report the first entry that breaks it or a recorded head.

    A recorded head holds when its entry is still there with the same digest,
    whatever was appended after it: honest growth passes, while removing
    entries up to it, or changing any entry up to it even with every digest
    recomputed, fails at that head's entry.
    """
    wanted = {head.seq for head in expected_heads}
    found = {0: GENESIS}
    previous = GENESIS
    count = 0
    for count, entry in enumerate(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)), 1):
        if entry.seq != count:
            return Verdict(count - 1, Head(count - 1, previous), count,
                           "an entry before it was removed")
        if entry.previous != previous:
            return Verdict(count - 1, Head(count - 1, previous), entry.seq,
                           "removed or reordered entries")
        recomputed = entry_digest(
            seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
            subject=entry.subject, detail=entry.detail, previous=entry.previous,
            facts=entry.facts,
        )
        if recomputed != entry.digest:
            return Verdict(count - 1, Head(count - 1, previous), entry.seq,
                           "the entry was edited")
        if entry.seq in wanted:
            found[entry.seq] = entry.digest
        previous = entry.digest
    head = Head(count, previous)
    for expected in sorted(expected_heads, key=lambda h: h.seq):
        if expected.seq not in found:
            return Verdict(count, head, expected.seq,
                           f"the chain ends at entry {count}, before the recorded head {expected}"
                           " (entries were removed from its end, or it was rewritten)")
        if found[expected.seq] != expected.digest:
            return Verdict(count, head, expected.seq,
                           f"it does not match the recorded head {expected} (it or an entry"
                           " before it was changed, and the chain recomputed)")
    return Verdict(count, head)
