"""An export killed mid-way: its decrypted work folder is collected and the kill is recorded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from review.export.workdir import INTERRUPTED, claimed_work_dir, collect_interrupted
from review.workspace.audit import facts_of
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.evidence import NOTES, EvidenceCase, make_case
from tests.review.reviewers import Reviewer, command_line_identity
from tests.support import WAIT_SECONDS

# `haven review export` whose bagging step SIGKILLs the process: the payload, with
# the decrypted originals, is written and nothing after it runs (no cleanup either).
KILLED_WHILE_BAGGING = (
    "import os, signal; import review.export.package as package; "
    "package._make_bag = lambda *_args: os.kill(os.getpid(), signal.SIGKILL); "
    "from haven.cli import main; main()"
)


@pytest.fixture
def case(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path) -> EvidenceCase:
    return make_case(workspace, alice, bob, tmp_path)


def _export_command(case: EvidenceCase, files: tuple[Path, Path], out: Path) -> list[str]:
    return ["review", "export", case.case_id, "--workspace", str(case.workspace.root),
            "--for", "Counsel for A.", "--purpose", "court filing", "--out", str(out),
            "--identity", str(files[0]), "--passphrase-file", str(files[1])]


def _work_folders(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


def _entries(workspace: Workspace, action: str) -> list[AuditEntry]:
    with workspace.sessions() as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.seq)))
        session.expunge_all()
    return found


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_the_next_export_collects_a_killed_exports_work_folder(
        case: EvidenceCase, alice: Reviewer, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    files = command_line_identity(alice, tmp_path)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_BAGGING,
         *_export_command(case, files, exports / "first")],
        capture_output=True, timeout=WAIT_SECONDS, check=False)
    assert killed.returncode == -9, killed.stderr
    (left,) = _work_folders(exports)
    # What the kill left is the reason to collect it: plaintext the reporter sent.
    assert NOTES in [p.read_bytes() for p in left.rglob("*") if p.is_file()]
    (recorded,) = _entries(case.workspace, "export")
    assert not _entries(case.workspace, "export-failed")

    case.export(exports / "second")

    assert _work_folders(exports) == [] and not (exports / "first").exists()
    (failed,) = _entries(case.workspace, "export-failed")
    assert failed.subject == recorded.subject and failed.detail == INTERRUPTED
    assert failed.actor == recorded.actor == "alice"
    assert facts_of(failed)["cases"] == case.case_id


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_a_running_exports_work_folder_is_left_alone(case: EvidenceCase, tmp_path: Path) -> None:
    out = tmp_path / "package"
    with claimed_work_dir(out, "a" * 32) as work:
        (work / "bag").mkdir()
        assert collect_interrupted(case.workspace, tmp_path) == []
        assert work.is_dir()
    assert not work.exists()


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_an_unrecorded_work_folder_is_removed_only_when_empty(
        case: EvidenceCase, tmp_path: Path) -> None:
    # Another workspace's export (its id is not in this log) may own a full one.
    full = tmp_path / f".package.{'b' * 32}.{'0' * 16}.part"
    (full / "bag").mkdir(parents=True)
    empty = tmp_path / f".other.{'c' * 32}.{'1' * 16}.part"
    empty.mkdir()
    collected = collect_interrupted(case.workspace, tmp_path)
    assert [(c.export_id, c.recorded) for c in collected] == [("c" * 32, False)]
    assert full.is_dir() and not empty.exists()
    assert not _entries(case.workspace, "export-failed")
