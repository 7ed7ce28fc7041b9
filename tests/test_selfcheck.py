"""`haven intake check` and `haven review check`: each misconfiguration named, the demo clean."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.demo import demo_environ, prepare_demo
from intake.cli import intake_group
from keys.signing import SigningKey
from review.cli import review_group
from review.workspace.heads import publish_head
from review.workspace.store import DATABASE_NAME, Workspace
from tests.intake.datadir import prepare_data_dir
from tests.review.bundles import INTAKE_KEY

HYBRID = str(keys.HybridIdentity.generate().recipient())
CLASSIC = str(keys.X25519Identity.generate().recipient())
# What a careful operator sets; every test below breaks one thing on top of it.
GOOD_ENVIRON = {"HAVEN_RETENTION_DAYS": "7"}


def _intake_check(data_dir: Path, *args: str, environ: dict[str, str] | None = None,
                  ) -> tuple[int, list[str]]:
    env = {key: None for key in os.environ if key.startswith("HAVEN_")}
    result = CliRunner().invoke(intake_group, ["check", "--data-dir", str(data_dir), *args],
                                env={**env, **(GOOD_ENVIRON if environ is None else environ)})
    return result.exit_code, result.output.splitlines()


def _review_check(workspace: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(review_group, ["check", "--workspace", str(workspace), *args],
                                env={"HAVEN_REVIEW_HEADS_FILE": None})
    return result.exit_code, result.output.splitlines()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A well-configured intake data directory: hybrid recipient, every file 0600."""
    path = prepare_data_dir(tmp_path / "data", [HYBRID])
    for child in path.iterdir():
        child.chmod(0o600)
    (path / "trusted_reviewers").write_text(f"{SigningKey.generate().public_key()} alice\n")
    return path


def test_a_well_configured_data_directory_passes_without_a_word(data_dir: Path) -> None:
    assert _intake_check(data_dir) == (0, ["0 errors, 0 warnings."])


def _breakages() -> dict[str, tuple[Callable[[Path], object], str, bool]]:
    def write(name: str, text: str) -> Callable[[Path], object]:
        return lambda d: (d / name).write_text(text)

    return {
        "open data directory": (lambda d: d.chmod(0o755), "lets other accounts in", True),
        "readable pepper": (lambda d: (d / "receipt_pepper").chmod(0o640), "must be 0600", True),
        "missing pepper": (lambda d: (d / "receipt_pepper").unlink(), "receipt_pepper: missing",
                           True),
        "readable signing key": (lambda d: (d / "pickup_signing_key").chmod(0o644),
                                 "must be 0600", True),
        "missing signing key": (lambda d: (d / "pickup_signing_key").unlink(),
                                "pickup` refuses to run here", False),
        "writable recipients": (lambda d: (d / "recipients.txt").chmod(0o666),
                                "add their own key and read every later report", True),
        "unparsable recipient": (write("recipients.txt", "age1notakey\n"), "recipients.txt", True),
        "mixed recipients": (write("recipients.txt", f"{HYBRID}\n{CLASSIC}\n"),
                             "recipients.txt", True),
        "no recipient": (write("recipients.txt", "# nobody\n"), "no recipients", True),
        "classic recipients": (write("recipients.txt", f"{CLASSIC}\n"), "quantum computer",
                               False),
        "readable database": (lambda d: (d / "intake.sqlite3").chmod(0o644),
                              "only the data directory's mode", False),
        "writable database": (lambda d: (d / "intake.sqlite3").chmod(0o666),
                              "could change or destroy submissions", True),
        "missing trusted reviewers": (lambda d: (d / "trusted_reviewers").unlink(),
                                      "fine until replies are in use", False),
        "writable trusted reviewers": (lambda d: (d / "trusted_reviewers").chmod(0o666),
                                       "can sign replies to reporters", True),
        "unreadable trusted reviewer line": (
            lambda d: (d / "trusted_reviewers").write_text("ssh-rsa AAAA not-ed25519\n"),
            "trusted_reviewers, line 1", True),
        "empty trusted reviewers": (lambda d: (d / "trusted_reviewers").write_text("# none\n"),
                                    "lists no reviewer key", False),
    }


@pytest.mark.parametrize("breakage", sorted(_breakages()))
def test_each_misconfiguration_of_the_data_directory_is_named(data_dir: Path,
                                                              breakage: str) -> None:
    change, words, is_error = _breakages()[breakage]
    change(data_dir)
    code, lines = _intake_check(data_dir)
    expected = "error:" if is_error else "warning:"
    assert any(line.startswith(expected) and words in line for line in lines), lines
    assert code == (1 if is_error else 0)


@pytest.mark.parametrize(("args", "environ", "words", "is_error"), [
    ((), {}, "HAVEN_RETENTION_DAYS: unset", False),
    ((), {"HAVEN_RETENTION_DAYS": "90"}, "90 days keeps picked-up ciphertext", False),
    ((), {"HAVEN_RETENTION_DAYS": "soon"}, "must be a whole number", True),
    (("--host", "0.0.0.0"), GOOD_ENVIRON, "intake speaks plain HTTP", True),
    (("--host", "192.0.2.1", "--plain-http"), GOOD_ENVIRON, "cookies without Secure", True),
    (("--host", "192.0.2.1"), {**GOOD_ENVIRON, "HAVEN_PLAIN_HTTP": "1"},
     "cookies without Secure", True),
])
def test_each_misconfigured_setting_is_named(data_dir: Path, args: tuple[str, ...],
                                             environ: dict[str, str], words: str,
                                             is_error: bool) -> None:
    code, lines = _intake_check(data_dir, *args, environ=environ)
    expected = "error:" if is_error else "warning:"
    assert any(line.startswith(expected) and words in line for line in lines), lines
    assert code == (1 if is_error else 0)


def test_plain_http_on_loopback_is_fine(data_dir: Path) -> None:
    assert _intake_check(data_dir, "--plain-http")[0] == 0


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace made as the guide says: a pinned intake key, one hybrid reviewer."""
    root = tmp_path / "ws"
    for args in (["init", "--workspace", str(root), "--intake-key",
                  str(INTAKE_KEY.public_key())],
                 ["add-reviewer", "--workspace", str(root), "--name", "alice",
                  "--recipient", HYBRID]):
        result = CliRunner().invoke(review_group, args)
        assert result.exit_code == 0, result.output
    return root


def test_a_well_configured_workspace_passes(workspace: Path, tmp_path: Path) -> None:
    heads = tmp_path / "heads"
    with Workspace.open(workspace) as opened:
        publish_head(opened, heads, event="test")
    assert _review_check(workspace, "--heads-file", str(heads)) == (0, ["0 errors, 0 warnings."])


def test_each_misconfiguration_of_the_workspace_is_named(workspace: Path, tmp_path: Path) -> None:
    code, lines = _review_check(workspace)
    assert code == 0 and any("audit heads: not published" in line for line in lines), lines

    code, lines = _review_check(workspace, "--heads-file", str(workspace / "heads"))
    assert code == 1 and any("is inside the workspace" in line for line in lines), lines

    heads = tmp_path / "heads"
    heads.write_text(f"1:{'0' * 64}\tthen\tforged\n")
    code, lines = _review_check(workspace, "--heads-file", str(heads))
    assert code == 1 and any(line.startswith("error: audit log: broken at entry 1")
                             for line in lines), lines

    (workspace / DATABASE_NAME).chmod(0o644)
    code, lines = _review_check(workspace)
    assert code == 1 and any(DATABASE_NAME in line and "chmod 600" in line for line in lines)
    (workspace / DATABASE_NAME).chmod(0o600)
    workspace.chmod(0o750)
    code, lines = _review_check(workspace)
    assert code == 1 and any("chmod 700" in line for line in lines), lines
    workspace.chmod(0o700)

    with sqlite3.connect(workspace / DATABASE_NAME) as db:
        db.execute("DELETE FROM intake_keys")
        db.execute("DELETE FROM reviewers")
    code, lines = _review_check(workspace)
    assert code == 1
    assert any("intake keys: none pinned" in line for line in lines), lines
    assert any("reviewers: none" in line for line in lines), lines


def test_classic_reviewers_are_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    CliRunner().invoke(review_group, ["init", "--workspace", str(root), "--intake-key",
                                      str(INTAKE_KEY.public_key())])
    CliRunner().invoke(review_group, ["add-reviewer", "--workspace", str(root), "--name", "bob",
                                      "--recipient", CLASSIC])
    code, lines = _review_check(root)
    assert code == 0 and any("classic X25519 keys (bob)" in line for line in lines), lines


def test_a_reviewer_without_a_signing_key_is_a_warning(workspace: Path) -> None:
    with sqlite3.connect(workspace / DATABASE_NAME) as db:
        db.execute("UPDATE reviewers SET signing_key = NULL, sealed_signing_key = NULL")
    db.close()
    code, lines = _review_check(workspace)
    assert code == 0 and any("no reply signing key yet (alice)" in line for line in lines), lines


def test_the_demo_layout_has_no_error(tmp_path: Path) -> None:
    data_dir = prepare_demo(tmp_path / "haven-demo", post_quantum=True)
    code, lines = _intake_check(data_dir, environ=demo_environ(data_dir))
    assert code == 0 and not [line for line in lines if line.startswith("error:")], lines
    # Its database is created 0600, as `haven intake init` creates one.
    assert not [line for line in lines if "intake.sqlite3" in line], lines
    code, lines = _review_check(tmp_path / "haven-demo" / "review")
    assert code == 0 and not [line for line in lines if line.startswith("error:")], lines
