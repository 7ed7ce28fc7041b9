"""The hash-chained audit log: every entry commits to the one before it.

An entry is appended in the same database transaction as the change it records,
so a change without its audit entry (or the reverse) can never be committed.
Editing, removing or reordering entries breaks the chain at the first entry
touched. Rewriting the whole tail after an edit is only caught against a head
digest recorded elsewhere (on paper, in a ticket): `haven review audit verify`
prints the head, and checks against a recorded one given as `--expect-head`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.clock import WallClock, utc_now
from review.workspace.models import AuditEntry

GENESIS = "0" * 64


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
class Verdict:
    """The outcome of verifying the chain."""

    entries: int
    head: str
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        """True when no entry was edited, removed or reordered."""
        return self.first_bad_seq is None


def verify(session: Session, *, expected_head: str | None = None) -> Verdict:
    """Walk the chain in order and report the first entry that breaks it."""
    previous = GENESIS
    count = 0
    for count, entry in enumerate(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)), 1):
        if entry.seq != count:
            return Verdict(count - 1, previous, count, "an entry before it was removed")
        if entry.previous != previous:
            return Verdict(count - 1, previous, entry.seq, "removed or reordered entries")
        recomputed = entry_digest(
            seq=entry.seq, at=entry.at, actor=entry.actor, action=entry.action,
            subject=entry.subject, detail=entry.detail, previous=entry.previous,
            facts=entry.facts,
        )
        if recomputed != entry.digest:
            return Verdict(count - 1, previous, entry.seq, "the entry was edited")
        previous = entry.digest
    if expected_head is not None and expected_head != previous:
        return Verdict(count, previous, count + 1 if count else 1,
                       "the chain does not end at the recorded head (entries removed from the end"
                       " or the chain was rewritten)")
    return Verdict(count, previous)
