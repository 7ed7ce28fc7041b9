"""data/custody.jsonl: who handled the exported cases, when and why, as a hash chain.

Built from the workspace's audit chain (review/workspace/audit.py), which
already records every import, view, reply and export, restricted to what
concerns the exported cases and preceded by each submission's day of receipt
(intake keeps days only). Each line carries the SHA-256 of the line before it
(`prev`, GENESIS for the first), so removing, editing or reordering a line is
detected by reading the file alone; each line taken from the audit log also
names that entry's sequence number and digest, which tie it to the workspace.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.workspace.audit import GENESIS, facts_of
from review.workspace.models import AuditEntry, Reply, Reviewer, Submission

FILE = "custody.jsonl"
# Why each kind of audit entry handled a case, when the entry does not say.
PURPOSES = {
    "received": "the reporter sent it to intake",
    "import": "carried from intake to this offline workspace in a signed pickup bundle",
    "view": "case review (decrypted to read)",
    "reply": "a reply to the reporter written",
    "replies": "replies carried to intake for the reporter",
}


def custody_lines(session: Session, case_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The custody entries of `case_ids`, received days first, then audit order."""
    parts = list(session.scalars(select(Submission).where(
        (Submission.id.in_(case_ids)) | (Submission.follows.in_(case_ids)))))
    bundles = {f"bundle:{p.bundle_id}" for p in parts}
    reply_ids = set(session.scalars(select(Reply.id).where(Reply.case_id.in_(case_ids))))
    reviewers = set(session.scalars(select(Reviewer.name)))
    lines: list[dict[str, Any]] = [
        {"day": part.received_day, "actor": "reporter", "role": "reporter",
         "action": "received", "subject": f"submission:{part.id}",
         "detail": ("first report" if part.follows is None else f"follow-up of {part.follows}"),
         "purpose": PURPOSES["received"]}
        for part in sorted(parts, key=lambda p: (p.received_day, p.arrival or 0, p.id))
    ]
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if _concerns(entry, case_ids, bundles, reply_ids):
            facts = facts_of(entry)
            lines.append({
                "at": entry.at, "actor": entry.actor,
                "role": "reviewer" if entry.actor in reviewers else "operator",
                "action": entry.action, "subject": entry.subject, "detail": entry.detail,
                "purpose": facts.get("purpose") or PURPOSES.get(entry.action, entry.action),
                "audit_seq": entry.seq, "audit_digest": entry.digest,
            })
    return lines


def _concerns(entry: AuditEntry, case_ids: Sequence[str], bundles: set[str],
              reply_ids: set[str]) -> bool:
    if entry.action == "import":
        return entry.subject in bundles
    if entry.action == "view" and entry.subject == "workspace":
        return True  # every readable report was decrypted, these cases among them
    if entry.subject.startswith("case:"):
        return entry.subject.removeprefix("case:").split("/")[0] in case_ids
    if entry.action == "replies":
        return bool(reply_ids.intersection(entry.detail.replace(":", " ").split()))
    cases = facts_of(entry).get("cases", "")
    return bool(set(cases.split()).intersection(case_ids))


def chained(lines: Iterable[dict[str, Any]]) -> bytes:
    """The JSON lines, each with its number and the SHA-256 of the line before it."""
    out: list[bytes] = []
    previous = GENESIS
    for number, line in enumerate(lines, 1):
        encoded = _encode({"n": number, **line, "prev": previous})
        out.append(encoded)
        previous = hashlib.sha256(encoded).hexdigest()
    return b"".join(line + b"\n" for line in out)


def chain_problems(data: bytes) -> list[str]:
    """Why the custody log's chain does not hold (empty when every line follows the last)."""
    problems: list[str] = []
    previous = GENESIS
    last_seq = 0
    if data and not data.endswith(b"\n"):
        problems.append("the last line is cut short (no newline)")
    for number, raw in enumerate(data.splitlines(), 1):
        try:
            line = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problems.append(f"line {number} is not JSON")
            previous = hashlib.sha256(raw).hexdigest()
            continue
        if not isinstance(line, dict):
            problems.append(f"line {number} is not a JSON object")
        elif line.get("n") != number:
            problems.append(f"line {number} says it is line {line.get('n')!r} "
                            "(lines removed or reordered)")
        elif line.get("prev") != previous:
            problems.append(f"line {number} does not follow line {number - 1} "
                            "(lines removed, reordered or edited)")
        elif isinstance(line.get("audit_seq"), int):
            if line["audit_seq"] <= last_seq:
                problems.append(f"line {number} is out of the audit log's order")
            last_seq = line["audit_seq"]
        previous = hashlib.sha256(raw).hexdigest()
    if not data.strip():
        problems.append("the custody log is empty")
    return problems


def _encode(line: dict[str, Any]) -> bytes:
    return json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
