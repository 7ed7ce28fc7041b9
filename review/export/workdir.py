"""An export's private work folder beside its output, and collecting those a crash left.

An export builds its package in `.NAME.EXPORT_ID.RANDOM.part` in the output's
folder (the same file system, so placing the package is one rename or link).
That folder holds decrypted originals until the package is placed, so one left
by a killed export must not stay: the next export into the same folder removes
it. The running export holds an exclusive flock on its work folder the whole
time; the kernel drops it when the process dies, however it dies, so an
unlocked work folder is one whose export is gone.

The work folder is made before the export is recorded in the audit log. So
every recorded export ends in one of three ways that the log can tell apart:
its package is at its output name, an `export-failed` entry says why it is
not, or its work folder is still there and the next export collects it and
records the interruption as `export-failed`.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from review.clock import WallClock, utc_now
from review.workspace import audit
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace

SUFFIX = ".part"
INTERRUPTED = ("interrupted before its package was whole (the exporting process ended); "
               "its unfinished files were removed")
_WORK_NAME = re.compile(r"\.(?P<name>.+)\.(?P<export>[0-9a-f]{32})\.[0-9a-f]{16}\.part")


@dataclass(frozen=True)
class Collected:
    """A work folder a dead export left, now removed."""

    export_id: str
    # The package it was making is at its output name: the export was killed after
    # placing it, and only the emptied work folder was left.
    placed: bool
    # Its export was in the audit log; an unrecorded work folder is always empty.
    recorded: bool


@contextmanager
def claimed_work_dir(out: Path, export_id: str) -> Iterator[Path]:
    """A fresh work folder for the export to `out`, flock-held until the block ends.

    The folder and everything in it is removed before the lock is let go.
    """
    folder = out.parent.absolute()
    while True:
        path = folder / f".{out.name}.{export_id}.{secrets.token_hex(8)}{SUFFIX}"
        path.mkdir(mode=0o700)
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        # Another export's collection may have removed the empty, not yet locked
        # folder in between; the lock is then on a folder no longer at `path`.
        if _same_folder(path, descriptor):
            break
        os.close(descriptor)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(descriptor)


def collect_interrupted(workspace: Workspace, folder: Path, *,
                        clock: WallClock = utc_now) -> list[Collected]:
    """Remove the work folders in `folder` that dead exports left; record the interruptions.

    A work folder whose export this workspace did not record is removed only
    if empty (it was made, and the process died, before the audit entry that
    comes before any byte): it may belong to another workspace's export. The
    interruption is recorded in the name of the reviewer whose export it was.
    """
    collected = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        match = _WORK_NAME.fullmatch(path.name)
        if match is None or path.is_symlink() or not path.is_dir():
            continue
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its export is running
            export_id = match.group("export")
            recorded = _recorded_export(workspace, export_id)
            placed = (folder / match.group("name")).exists()
            if recorded is None:
                try:
                    path.rmdir()
                except OSError:
                    continue
            else:
                shutil.rmtree(path)
                if not placed:
                    _record_interruption(workspace, export_id, recorded, clock)
            collected.append(Collected(export_id, placed, recorded is not None))
        finally:
            os.close(descriptor)
    return collected


def _same_folder(path: Path, descriptor: int) -> bool:
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (there.st_dev, there.st_ino) == (held.st_dev, held.st_ino)


def _recorded_export(workspace: Workspace, export_id: str) -> tuple[str, str] | None:
    """Who made export `export_id` and of which cases, as its audit entry says; None if
    it was never recorded."""
    with workspace.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.subject == f"export:{export_id}")).first()
        if entry is None:
            return None
        return entry.actor, audit.facts_of(entry).get("cases", "")


def _record_interruption(workspace: Workspace, export_id: str, recorded: tuple[str, str],
                         clock: WallClock) -> None:
    actor, cases = recorded
    with workspace.transaction() as session:
        failed = session.scalars(select(AuditEntry.seq).where(
            AuditEntry.action == "export-failed",
            AuditEntry.subject == f"export:{export_id}")).first()
        if failed is None:
            audit.append(session, actor=actor, action="export-failed",
                         subject=f"export:{export_id}", detail=INTERRUPTED,
                         facts={"export": export_id, "cases": cases}, clock=clock)
