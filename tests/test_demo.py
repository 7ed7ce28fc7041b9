"""`haven demo`'s front door: a taken port in one line before anything else; a plain passphrase."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from haven.cli import main
from haven.demo import DEMO_PASSPHRASE, HOST


def test_a_taken_port_is_said_in_one_line_before_any_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["demo", "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        f"Error: port {port} on {HOST} is already in use (another `haven demo`?); "
        f"try `haven demo --port {port + 1}`"
    ]
    # Nothing was laid out for a demo that could not start.
    assert not (tmp_path / "haven-demo").exists()


def test_the_passphrase_line_shows_the_whole_phrase_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["demo", "--setup-only"])
    assert result.exit_code == 0, result.output
    assert f'(all of it, between the quotes): "{DEMO_PASSPHRASE}"' in result.output
