"""`haven review check`: misconfigurations of an offline workspace, one finding per line.

Every check reads; none changes the workspace (opening it may upgrade an
older schema, as every command does). An error exposes triage data or breaks
a promise the workspace keeps; a warning is a weaker choice made on purpose.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keys
from review.errors import ReviewError
from review.workspace import audit
from review.workspace.heads import outside_workspace, published_heads
from review.workspace.store import DATABASE_NAME, OBJECTS_DIR, STAGING_DIR, Workspace

_OTHERS = stat.S_IRWXG | stat.S_IRWXO
_SQLITE_SUFFIXES = ("", "-wal", "-shm")


@dataclass(frozen=True)
class Finding:
    """One misconfiguration: how bad, where, and what to do about it."""

    error: bool
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.subject}: {self.message}"


def check_workspace(root: Path, *, heads_file: Path | None) -> list[Finding]:
    """Every finding about the workspace in `root` and where its audit heads are published."""
    try:
        workspace = Workspace.open(root)
    except ReviewError as error:
        return [Finding(True, str(root), str(error))]
    with workspace:
        return [*_modes(root), *_contents(workspace), *_heads(workspace, heads_file)]


def _modes(root: Path) -> Iterator[Finding]:
    paths = [root, root / OBJECTS_DIR, root / STAGING_DIR,
             *(root / f"{DATABASE_NAME}{suffix}" for suffix in _SQLITE_SUFFIXES)]
    for path in paths:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & _OTHERS:
            yield Finding(True, str(path), f"mode {stat.S_IMODE(path.stat().st_mode):04o} lets "
                          "other accounts read ciphertext, triage or the audit log; "
                          f"chmod {'700' if path.is_dir() else '600'}")


def _contents(workspace: Workspace) -> Iterator[Finding]:
    if not workspace.intake_keys():
        yield Finding(True, "intake keys", "none pinned: every import is refused "
                      "(`haven review trust-intake`)")
    reviewers = workspace.reviewers()
    if not reviewers:
        yield Finding(True, "reviewers", "none: nobody can unlock (`haven review add-reviewer`)")
    classic = [r.name for r in reviewers
               if not isinstance(keys.parse_recipient(r.recipient), keys.HybridRecipient)]
    if classic:
        yield Finding(False, "reviewers", f"classic X25519 keys ({', '.join(classic)}): sealed "
                      "triage could be opened by a quantum computer later")
    unsigned = [r.name for r in reviewers if r.signing_key is None]
    if unsigned:
        # Not an error: such a reviewer gets a key at their next unlock; until then
        # they cannot send replies, and intake has no line of theirs to trust.
        yield Finding(False, "reviewers", f"no reply signing key yet ({', '.join(unsigned)}): "
                      "`haven review signing-key --reviewer NAME` makes one")


def _heads(workspace: Workspace, heads_file: Path | None) -> Iterator[Finding]:
    with workspace.sessions() as session:
        if heads_file is None:
            yield Finding(False, "audit heads", "not published (--heads-file or "
                          "HAVEN_REVIEW_HEADS_FILE): whoever holds the workspace could rewrite "
                          "the audit log undetected")
            heads = []
        else:
            try:
                outside_workspace(heads_file, workspace.root)
                heads = published_heads(heads_file) if heads_file.exists() else []
            except ReviewError as error:
                yield Finding(True, str(heads_file), str(error))
                heads = []
            else:
                if not heads:
                    yield Finding(False, str(heads_file), "no head published yet")
        verdict = audit.verify(session, expected_heads=heads)
    if not verdict.intact:
        yield Finding(True, "audit log", f"broken at entry {verdict.first_bad_seq}: "
                      f"{verdict.problem}")
    elif heads and max(h.seq for h in heads) < verdict.head.seq:
        yield Finding(False, "audit heads", f"the current head {verdict.head} is not published "
                      "yet; the next import or lock publishes it")
