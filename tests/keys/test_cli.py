"""`haven keys` behaves like the stock age tool: stdin/stdout by default, one error line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.cli import main
from tests.support import WAIT_SECONDS, require_program


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, input: bytes | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(main, ["keys", *args], input=input, catch_exceptions=False)


def test_generate_is_post_quantum_by_default(runner: CliRunner, tmp_path: Path) -> None:
    key = tmp_path / "id.txt"
    result = invoke(runner, "generate", "-o", str(key))
    assert result.exit_code == 0, result.output
    recipient = result.stdout.strip()
    assert recipient.startswith("age1pq1")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "AGE-SECRET-KEY-PQ-1" in key.read_text()
    assert str(keys.read_identity_file(key)[0].recipient()) == recipient


def test_generate_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    key = tmp_path / "id.txt"
    key.write_text("precious\n")
    result = invoke(runner, "generate", "--classic", "-o", str(key))
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert key.read_text() == "precious\n"


def test_generate_without_output_prints_identity(runner: CliRunner) -> None:
    result = invoke(runner, "generate", "--classic")
    assert result.exit_code == 0
    assert "AGE-SECRET-KEY-1" in result.stdout
    assert "Public key: age1" in result.stderr


def test_passphrase_protected_identity(runner: CliRunner, tmp_path: Path) -> None:
    key = tmp_path / "id.age"
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery staple\n")
    result = invoke(runner, "generate", "--classic", "--passphrase-file", str(pw), "-o", str(key))
    assert result.exit_code == 0
    assert key.read_bytes().startswith(b"age-encryption.org/v1\n")
    shown = invoke(runner, "recipient", "--identity-passphrase-file", str(pw), str(key))
    assert shown.stdout.strip() == result.stdout.strip()

    data = invoke(runner, "encrypt", "-r", shown.stdout.strip(), "-a", input=b"for your eyes")
    opened = invoke(
        runner,
        "decrypt",
        "-i",
        str(key),
        "--identity-passphrase-file",
        str(pw),
        input=data.stdout_bytes,
    )
    assert opened.stdout_bytes == b"for your eyes"


@pytest.mark.parametrize("classic", [True, False])
def test_encrypt_decrypt_files(runner: CliRunner, tmp_path: Path, classic: bool) -> None:
    key = tmp_path / "id.txt"
    invoke(runner, "generate", *(["--classic"] if classic else []), "-o", str(key))
    recipients = tmp_path / "recipients.txt"
    recipients.write_text("# reviewers\n" + invoke(runner, "recipient", str(key)).stdout)
    plain = tmp_path / "plain.bin"
    plain.write_bytes(os.urandom(200_000))
    enc = tmp_path / "plain.age"
    assert (
        invoke(runner, "encrypt", "-R", str(recipients), "-o", str(enc), str(plain)).exit_code == 0
    )
    out = tmp_path / "out.bin"
    assert invoke(runner, "decrypt", "-i", str(key), "-o", str(out), str(enc)).exit_code == 0
    assert out.read_bytes() == plain.read_bytes()


def test_passphrase_file_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("a long passphrase\n")
    enc = invoke(runner, "encrypt", "--passphrase-file", str(pw), "-a", input=b"payload")
    assert enc.stdout_bytes.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    dec = invoke(runner, "decrypt", "--passphrase-file", str(pw), input=enc.stdout_bytes)
    assert dec.stdout_bytes == b"payload"


def test_failed_decryption_removes_output(runner: CliRunner, tmp_path: Path) -> None:
    identity = keys.X25519Identity.generate()
    key = tmp_path / "id.txt"
    key.write_text(str(identity) + "\n")
    data = keys.encrypt(os.urandom(300_000), recipients=[identity.recipient()])
    truncated = tmp_path / "cut.age"
    truncated.write_bytes(data[:-1000])
    out = tmp_path / "out.bin"
    result = invoke(runner, "decrypt", "-i", str(key), "-o", str(out), str(truncated))
    assert result.exit_code == 1
    assert "payload" in result.stderr
    assert not out.exists()


def test_mixed_recipients_refused(runner: CliRunner) -> None:
    classic = keys.X25519Identity.generate().recipient()
    hybrid = keys.HybridIdentity.generate().recipient()
    result = invoke(runner, "encrypt", "-a", "-r", str(classic), "-r", str(hybrid), input=b"x")
    assert result.exit_code == 1
    assert "mix post-quantum and classic" in result.stderr
    assert result.stdout_bytes == b""


@pytest.mark.parametrize(
    "args",
    [
        ["encrypt", "-a"],
        ["encrypt", "-a", "-r", "age1notarecipient"],
        ["decrypt", "-i", "/nonexistent/key"],
    ],
)
def test_usage_errors_are_one_clear_line(runner: CliRunner, args: list[str]) -> None:
    result = invoke(runner, *args, input=b"")
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_wrong_identity_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    key = tmp_path / "id.txt"
    key.write_text(str(keys.X25519Identity.generate()) + "\n")
    data = keys.encrypt(b"x", recipients=[keys.X25519Identity.generate().recipient()])
    result = invoke(runner, "decrypt", "-i", str(key), input=data)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: no identity matched any of the recipients"


def test_an_empty_passphrase_file_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("\n")
    result = invoke(runner, "encrypt", "--passphrase-file", str(pw), input=b"x")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: passphrase file {pw} is empty"
    assert result.stdout_bytes == b""


def test_console_script_with_stock_age(tmp_path: Path) -> None:
    """The installed `haven` command and the stock tool read each other's files."""
    age = require_program("age", "apt-get install -y age")
    key = tmp_path / "id.txt"
    haven = [sys.executable, "-m", "haven", "keys"]
    recipient = subprocess.run(
        [*haven, "generate", "--classic", "-o", str(key)],
        check=True,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    ).stdout.strip()
    stock = subprocess.run(
        [age, "-r", recipient, "-a"],
        input=b"from age",
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    ours = subprocess.run(
        [*haven, "decrypt", "-i", str(key)],
        input=stock.stdout,
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    assert ours.stdout == b"from age"
    back = subprocess.run(
        [*haven, "encrypt", "-r", recipient],
        input=b"from haven",
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    opened = subprocess.run(
        [age, "-d", "-i", str(key)],
        input=back.stdout,
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    assert opened.stdout == b"from haven"


@pytest.mark.parametrize("command", [["recipient"], ["decrypt", "-i"]])
def test_a_wrong_identity_passphrase_is_called_that(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    key = tmp_path / "id.age"
    right, wrong = tmp_path / "right", tmp_path / "wrong"
    right.write_text("correct horse battery staple\n")
    wrong.write_text("incorrect horse\n")
    assert invoke(runner, "generate", "--classic", "--passphrase-file", str(right),
                  "-o", str(key)).exit_code == 0
    result = invoke(runner, *command, str(key), "--identity-passphrase-file", str(wrong),
                    input=b"")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: wrong passphrase for {key}"
