"""`haven intake`: every command reports intake's and keys' failures as one line, exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import haven.demo
import intake.cli
import intake.migrate
import keys
from haven.cli import main
from intake.errors import IntakeError, SchemaError, SecretFileError


def migrate_failing_with(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make `haven intake migrate` meet `error` where it would touch the database."""

    def fail(*_args: object) -> None:
        raise error

    monkeypatch.setattr(intake.migrate, "upgrade_to_head", fail)


@pytest.mark.parametrize(
    "error",
    [
        SchemaError("database schema is at nothing, expected 0001"),
        keys.SignatureError("not an Ed25519 key"),
    ],
    ids=["IntakeError", "AgeError"],
)
def test_a_failure_is_one_error_line_and_exit_status_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    migrate_failing_with(monkeypatch, error)
    result = CliRunner().invoke(main, ["intake", "migrate", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {error}\n"
    assert "Traceback" not in result.output


def test_every_intake_error_takes_the_same_way_out() -> None:
    """The group catches the base class, so a failure no command names is reported too."""

    class Unforeseen(IntakeError):
        pass

    @intake.cli.intake_group.command("fail-for-test")
    def fail_for_test() -> None:
        raise Unforeseen("the rule that was broken")

    try:
        result = CliRunner().invoke(main, ["intake", "fail-for-test"])
    finally:
        intake.cli.intake_group.commands.pop("fail-for-test")
    assert (result.exit_code, result.output) == (1, "Error: the rule that was broken\n")


def test_a_fault_of_ours_keeps_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_failing_with(monkeypatch, KeyError("a bug, not an operator's mistake"))
    result = CliRunner().invoke(main, ["intake", "migrate", "--data-dir", str(tmp_path)])
    assert isinstance(result.exception, KeyError)
    assert "Error:" not in result.output


def test_the_demo_reports_failures_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_initialised(root: Path, *, post_quantum: bool) -> Path:
        raise SecretFileError(f"{root} is half-initialised")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(haven.demo, "prepare_demo", half_initialised)
    result = CliRunner().invoke(main, ["demo", "--setup-only"])
    assert (result.exit_code, result.output) == (1, "Error: haven-demo is half-initialised\n")
