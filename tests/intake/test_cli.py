"""`haven intake` commands and `haven demo`, through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.cli import main
from haven.demo import DEMO_PASSPHRASE
from tests.intake.conftest import prepare_data_dir


def test_init_creates_secrets_and_schema(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "receipt_pepper").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "intake.sqlite3").exists()
    again = CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    assert again.exit_code != 0 and "refusing to replace" in again.output


def test_serve_refuses_plain_http_off_loopback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["intake", "serve", "--data-dir", str(tmp_path), "--host", "0.0.0.0", "--plain-http"],
    )
    assert result.exit_code != 0 and "loopback" in result.output


def test_serve_refuses_to_start_without_recipients(tmp_path: Path) -> None:
    CliRunner().invoke(main, ["intake", "init", "--data-dir", str(tmp_path)])
    result = CliRunner().invoke(main, ["intake", "serve", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "HAVEN_RECIPIENTS_FILE" in result.output


def test_pickup_and_purge_commands(
    tmp_path: Path, reviewer: keys.X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    out = tmp_path / "bundle.tar"
    result = CliRunner().invoke(
        main, ["intake", "pickup", "--data-dir", str(data_dir), "--out", str(out)]
    )
    assert result.exit_code == 0 and "Nothing new" in result.output
    assert not out.exists()
    result = CliRunner().invoke(
        main, ["intake", "purge", "--data-dir", str(data_dir), "--retention-days", "0", "--yes"]
    )
    assert result.exit_code == 0 and "Purged 0" in result.output


def test_demo_sets_up_a_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--setup-only"])
    assert result.exit_code == 0, result.output
    demo = tmp_path / "haven-demo"
    identity = keys.read_identity_file(
        demo / "reviewer-identity.age", passphrase=lambda: DEMO_PASSPHRASE
    )
    recipients = keys.read_recipients_file(demo / "data" / "recipients.txt")
    assert [str(r) for r in recipients] == [str(identity[0].recipient())]  # type: ignore[attr-defined]
    assert str(recipients[0]).startswith("age1") and not str(recipients[0]).startswith("age1pq")
    assert not list((demo / "data").glob("reviewer-identity*"))
    assert (demo / "review" / "workspace.sqlite").exists()
    assert "http://127.0.0.1:8080/" in result.output and "age -d -i" in result.output
    assert "haven review import" in result.output and DEMO_PASSPHRASE in result.output
    # Running it again reuses the same keys and secrets.
    again = CliRunner().invoke(main, ["demo", "--setup-only"])
    assert again.exit_code == 0
    assert keys.read_recipients_file(demo / "data" / "recipients.txt") == recipients
