"""The audit chain's head, published outside the workspace, where a rewrite of it cannot reach.

Whoever holds the workspace can rewrite the whole chain and recompute every
digest; `audit verify` then finds it intact. A head written somewhere else
before the rewrite is what catches it, so each import and each lock appends
the current head to a heads file on another disk, share or machine, one line
per head: "SEQ:DIGEST<TAB>when<TAB>what", nothing about any case. A heads
file inside the workspace would be rewritten with it, and is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

from review.clock import WallClock, utc_now
from review.errors import ConfigError, HeadFormatError
from review.workspace import audit
from review.workspace.store import Workspace


def outside_workspace(heads_file: Path, workspace_root: Path) -> Path:
    """`heads_file`, resolved; a ConfigError if it lies inside the workspace."""
    resolved = heads_file.expanduser().resolve()
    if resolved.is_relative_to(workspace_root.expanduser().resolve()):
        raise ConfigError(
            f"the heads file {heads_file} is inside the workspace: whoever could rewrite the "
            "audit log could rewrite it too; keep it on another disk, share or machine")
    return resolved


def publish_head(
    workspace: Workspace, heads_file: Path | None, *, event: str, clock: WallClock = utc_now
) -> audit.Head:
    """The chain's current head, appended to `heads_file` (when there is one) after `event`."""
    with workspace.sessions() as session:
        head = audit.current_head(session)
    if heads_file is not None:
        target = outside_workspace(heads_file, workspace.root)
        line = f"{head}\t{clock().isoformat()}\t{event}\n".encode()
        # One append of one line: concurrent publishers never interleave, and
        # the line is on disk before the head is reported as published.
        try:
            fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise ConfigError(f"cannot append the audit head {head} to {heads_file}: "
                              f"{error.strerror}") from None
    return head


def published_heads(heads_file: Path) -> list[audit.Head]:
    """Every head in a heads file, in the order published."""
    heads = []
    text = heads_file.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            heads.append(audit.Head.parse(line.split("\t", 1)[0]))
        except HeadFormatError as error:
            raise HeadFormatError(f"{heads_file}, line {number}: {error}") from None
    return heads
