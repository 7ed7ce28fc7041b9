"""`haven review` through the command line: init, reviewers, import, audit, serve."""

from __future__ import annotations

import os
import signal
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

import keys
from review.cli import review_group
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission
from tests.review.reviewers import Reviewer
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, list(args))
    return result.exit_code, result.output


@pytest.fixture
def cli_workspace(tmp_path: Path, alice: Reviewer) -> Path:
    """A workspace made through the CLI, with alice as reviewer."""
    root = tmp_path / "ws"
    code, output = _invoke("init", "--workspace", str(root),
                           "--intake-key", str(INTAKE_KEY.public_key()))
    assert code == 0 and INTAKE_KEY.public_key().fingerprint() in output, output
    code, output = _invoke("add-reviewer", "--workspace", str(root), "--name", "alice",
                           "--recipient", str(alice.recipient))
    assert code == 0, output
    return root


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, output = _invoke("init", "--workspace", str(tmp_path))
    assert code != 0 and "not empty" in output


def test_mixing_classic_and_post_quantum_reviewers_is_refused(cli_workspace: Path,
                                                              key_kind: str) -> None:
    other = (keys.X25519Identity.generate() if key_kind == "hybrid"
             else keys.HybridIdentity.generate())
    code, output = _invoke("add-reviewer", "--workspace", str(cli_workspace), "--name", "carol",
                           "--recipient", str(other.recipient()))
    assert code != 0 and "cannot add that recipient" in output


def test_import_twice_and_hostile(cli_workspace: Path, alice: Reviewer, tmp_path: Path) -> None:
    writer = BundleWriter([encrypted_submission({"n": "x"}, recipients=[alice.recipient])])
    bundle = writer.write(tmp_path / "b.tar")
    code, output = _invoke("import", str(bundle), "--workspace", str(cli_workspace))
    assert code == 0 and "1 new submission, 0 already present" in output
    code, output = _invoke("import", str(bundle), "--workspace", str(cli_workspace))
    assert code == 0 and "0 new submissions, 1 already present" in output
    members = writer.members()
    hostile = writer.write(tmp_path / "h.tar", [*members, ("../escape.age", b"x")])
    code, output = _invoke("import", str(hostile), "--workspace", str(cli_workspace))
    assert code == 1 and "bundle refused, nothing imported" in output and "climbs out" in output


def test_audit_verify_detects_edit_removal_and_reorder(cli_workspace: Path, alice: Reviewer,
                                                       tmp_path: Path) -> None:
    for number in range(3):
        writer = BundleWriter([encrypted_submission({"n": str(number)},
                                                    recipients=[alice.recipient])])
        _invoke("import", str(writer.write(tmp_path / f"{number}.tar")),
                "--workspace", str(cli_workspace))
    code, output = _invoke("audit", "verify", "--workspace", str(cli_workspace))
    # init, trust-intake, add-reviewer, three imports
    assert code == 0 and "6 entries" in output
    head = output.split("head ")[1].strip()
    workspace = Workspace.open(cli_workspace)

    def tamper(statement: object) -> tuple[int, str]:
        with workspace.transaction() as session:
            session.execute(statement)  # type: ignore[call-overload]
        return _invoke("audit", "verify", "--workspace", str(cli_workspace))

    code, output = tamper(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="nobody"))
    assert code == 1 and "entry 3: the entry was edited" in output
    tamper(update(AuditEntry).where(AuditEntry.seq == 3).values(actor=_actor_of(workspace, 2)))
    code, output = _invoke("audit", "verify", "--workspace", str(cli_workspace), "--expect-head",
                           head)
    assert code == 0, output
    # Reorder: swap the sequence numbers of entries 2 and 3.
    tamper(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2))
    tamper(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2))
    code, output = tamper(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=3))
    assert code == 1 and "entry 2: removed or reordered" in output
    tamper(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2))
    tamper(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2))
    tamper(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=3))
    assert _invoke("audit", "verify", "--workspace", str(cli_workspace))[0] == 0
    # Removal in the middle, then at the end (caught only against the recorded head).
    with workspace.transaction() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        session.delete(last)
    code, output = _invoke("audit", "verify", "--workspace", str(cli_workspace))
    assert code == 0
    code, output = _invoke("audit", "verify", "--workspace", str(cli_workspace), "--expect-head",
                           head)
    assert code == 1 and "entry 6" in output and "recorded head" in output
    with workspace.transaction() as session:
        middle = session.get(AuditEntry, 2)
        session.delete(middle)
    code, output = _invoke("audit", "verify", "--workspace", str(cli_workspace))
    assert code == 1 and "entry 2: an entry before it was removed" in output
    workspace.dispose()


def _actor_of(workspace: Workspace, seq: int) -> str:
    with workspace.sessions() as session:
        entry = session.get(AuditEntry, seq)
        assert entry is not None
        return entry.actor


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org", "10.0.0.1"])
def test_serve_refuses_non_loopback(cli_workspace: Path, host: str) -> None:
    code, output = _invoke("serve", "--workspace", str(cli_workspace), "--host", host)
    assert code == 2 and "loopback" in output


@pytest.mark.slow
def test_serve_on_loopback_and_stop_on_ctrl_c(tmp_path: Path) -> None:
    cli_workspace = tmp_path / "ws"
    assert _invoke("init", "--workspace", str(cli_workspace))[0] == 0
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "haven", "review", "serve", "--workspace", str(cli_workspace),
               "--port", str(port)]  # fmt: skip
    with serving("review", command, port=port, log=tmp_path / "server.log", env=env) as server:
        with urllib.request.urlopen(f"{server.url}/unlock", timeout=WAIT_SECONDS) as page:
            body, csp = page.read().decode(), page.headers["Content-Security-Policy"]
        # Ctrl-C in the terminal sends SIGINT to the process.
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=WAIT_SECONDS) == 0
    output = server.log.read_text()
    assert "Unlock the workspace" in body
    assert "default-src 'none'" in csp
    assert "Traceback" not in output


@pytest.mark.parametrize("command", [
    ["trust-intake", str(INTAKE_KEY.public_key())],
    ["intake-keys"],
    ["distrust-intake", "--yes", "SHA256:x"],
    ["add-reviewer", "--name", "bob",
     "--recipient", str(keys.HybridIdentity.generate().recipient())],
    ["remove", "--yes", "0" * 32],
    ["audit", "verify"],
])
def test_every_command_reports_a_missing_workspace_in_one_line(tmp_path: Path,
                                                               command: list[str]) -> None:
    """One helper turns a ReviewError into one line and exit status 1, in every command."""
    code, output = _invoke(*command, "--workspace", str(tmp_path / "nowhere"))
    assert code == 1, output
    assert output.strip().splitlines() == [
        f"Error: {tmp_path / 'nowhere'} is not a Haven workspace (run `haven review init`)"]


def test_a_closed_workspace_releases_its_database(tmp_path: Path) -> None:
    """`with Workspace.open(...)` disposes of every connection when the block ends."""
    root = tmp_path / "ws"
    with Workspace.create(root) as workspace, workspace.sessions() as session:
        session.execute(select(AuditEntry)).all()
    # A connection returned to the pool would still hold the database open.
    assert workspace.engine.pool.checkedin() == 0
    assert workspace.writer.pool.checkedin() == 0
    with Workspace.open(root) as reopened:
        assert reopened.reviewers() == []
