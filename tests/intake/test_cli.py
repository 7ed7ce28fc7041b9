"""`haven intake` commands and `haven demo`, through click's CliRunner."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.cli import main
from haven.demo import DEMO_PASSPHRASE
from intake.db import make_engine
from intake.leases import LeaseKeeper
from intake.staging import StagedSubmission
from keys.signing import PICKUP_NAMESPACE, SigningKey, VerifyingKey
from tests.intake.datadir import prepare_data_dir


def test_init_creates_secrets_and_schema(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "receipt_pepper").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "pickup_signing_key").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "intake.sqlite3").exists()
    public = str(SigningKey.load(data_dir / "pickup_signing_key").public_key())
    assert public in result.output, "init shows the key the reviewers must pin"
    again = CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    assert again.exit_code != 0 and "refusing to replace" in again.output
    assert str(SigningKey.load(data_dir / "pickup_signing_key").public_key()) == public


def test_signing_key_prints_the_public_key_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    result = CliRunner().invoke(main, ["intake", "signing-key", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    key = VerifyingKey.parse(result.output.strip())
    assert key == SigningKey.load(data_dir / "pickup_signing_key").public_key()
    assert result.output.startswith("ssh-ed25519 ") and result.output.count("\n") == 1


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


def test_pickup_reads_the_database_and_signing_key_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pickup encrypts nothing: it does not load the recipients file (nor encrypt a test
    report to every recipient in it) or the server's secrets, which cost it CPU each run."""
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    data_dir = tmp_path / "data"
    CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    (data_dir / "secret_key").unlink()
    pickup = ["intake", "pickup", "--data-dir", str(data_dir), "--out", str(tmp_path / "b.tar")]
    result = CliRunner().invoke(main, pickup)
    assert result.exit_code == 0 and "Nothing new" in result.output, result.output


def test_pickup_still_refuses_a_data_directory_others_may_write(
    tmp_path: Path, reviewer: keys.X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever could replace the database could have intake sign submissions of theirs."""
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    data_dir.chmod(0o777)
    out = tmp_path / "b.tar"
    result = CliRunner().invoke(
        main, ["intake", "pickup", "--data-dir", str(data_dir), "--out", str(out)]
    )
    assert result.exit_code != 0 and "HAVEN_DATA_DIR" in result.output
    assert "chmod 700" in result.output
    assert not out.exists()


def test_pickup_never_signs_with_a_key_nobody_pinned(
    tmp_path: Path, reviewer: keys.X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data directory without a signing key (lost, or from before bundles were signed)
    gets one only when the operator asks; pickup meanwhile refuses and marks nothing."""
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    (data_dir / "pickup_signing_key").unlink()
    engine = make_engine(f"sqlite:///{data_dir / 'intake.sqlite3'}")
    staged = StagedSubmission(engine, leases=LeaseKeeper(engine, background=False))
    staged.open_report().finish()
    staged.publish(receipt_lookup_id="0" * 64, reply_recipient="age1pq1test")
    out = tmp_path / "bundle.tar"
    pickup = ["intake", "pickup", "--data-dir", str(data_dir), "--out", str(out)]

    refused = CliRunner().invoke(main, pickup)
    assert refused.exit_code != 0 and "signing-key --create" in refused.output
    assert not out.exists() and not (data_dir / "pickup_signing_key").exists()
    shown = CliRunner().invoke(main, ["intake", "signing-key", "--data-dir", str(data_dir)])
    assert shown.exit_code != 0 and not (data_dir / "pickup_signing_key").exists()

    created = CliRunner().invoke(
        main, ["intake", "signing-key", "--data-dir", str(data_dir), "--create"]
    )
    assert created.exit_code == 0 and created.output.startswith("ssh-ed25519 ")
    result = CliRunner().invoke(main, pickup)
    assert result.exit_code == 0, result.output
    key = SigningKey.load(data_dir / "pickup_signing_key").public_key()
    assert str(key) == created.output.strip()
    assert key.fingerprint() in result.output
    with tarfile.open(out) as tar:
        manifest = tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
        signature = tar.extractfile("manifest.json.sig").read()  # type: ignore[union-attr]
    key.verify(manifest, signature.decode(), namespace=PICKUP_NAMESPACE)


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
