"""Interoperability both ways with the stock `age` tool (Debian's age 1.1)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pexpect
import pytest

import keys
from tests.keys.passphrases import FAST_WORK_FACTOR, PASSPHRASE
from tests.support import WAIT_SECONDS, require_program

HINT = "apt-get install age"
PLAINTEXT = bytes(range(256)) * 600 + b"tail"  # a few chunks, not chunk-aligned


@pytest.fixture
def age() -> str:
    return require_program("age", HINT)


@pytest.fixture
def age_keygen() -> str:
    return require_program("age-keygen", HINT)


def run(*args: str) -> bytes:
    return subprocess.run(args, check=True, capture_output=True, timeout=WAIT_SECONDS).stdout


def with_tty(command: str, args: list[str], passphrase: str, *, prompts: int) -> None:
    """Run `command`, answering its passphrase prompts on a pty (age reads only /dev/tty)."""
    child = pexpect.spawn(command, args, timeout=WAIT_SECONDS)
    for _ in range(prompts):
        child.expect("(?i)passphrase")
        child.sendline(passphrase)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_haven_encrypts_age_decrypts(age: str, tmp_path: Path, armor: bool) -> None:
    identity = keys.X25519Identity.generate()
    (tmp_path / "key.txt").write_text(f"{identity}\n")
    (tmp_path / "msg.age").write_bytes(
        keys.encrypt(PLAINTEXT, recipients=[identity.recipient()], armor=armor)
    )
    assert run(age, "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "msg.age")) == PLAINTEXT


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_age_encrypts_haven_decrypts(
    age: str, age_keygen: str, tmp_path: Path, armor: bool
) -> None:
    key = tmp_path / "key.txt"
    run(age_keygen, "-o", str(key))
    (identity,) = keys.read_identity_file(key)
    (tmp_path / "msg").write_bytes(PLAINTEXT)
    recipient = str(identity.recipient())
    args = [age, "-r", recipient, *(["-a"] if armor else []), str(tmp_path / "msg")]
    ciphertext = run(*args)
    assert ciphertext.startswith(b"-----BEGIN" if armor else b"age-encryption.org/v1")
    assert keys.decrypt(ciphertext, identities=[identity]) == PLAINTEXT


def test_age_keygen_recipient_matches_ours(age_keygen: str, tmp_path: Path) -> None:
    key = tmp_path / "key.txt"
    run(age_keygen, "-o", str(key))
    (identity,) = keys.read_identity_file(key)
    published = run(age_keygen, "-y", str(key)).decode().strip()
    assert str(identity.recipient()) == published


def test_age_encrypts_to_several_recipients_haven_decrypts(age: str, tmp_path: Path) -> None:
    identities = [keys.X25519Identity.generate() for _ in range(3)]
    recipients_file = tmp_path / "recipients.txt"
    recipients_file.write_text("".join(f"{i.recipient()}\n" for i in identities))
    (tmp_path / "msg").write_bytes(PLAINTEXT)
    ciphertext = run(age, "-R", str(recipients_file), str(tmp_path / "msg"))
    for identity in identities:
        assert keys.decrypt(ciphertext, identities=[identity]) == PLAINTEXT


def test_haven_passphrase_file_opened_by_age(age: str, tmp_path: Path) -> None:
    recipient = keys.ScryptRecipient(PASSPHRASE, work_factor=FAST_WORK_FACTOR)
    (tmp_path / "msg.age").write_bytes(keys.encrypt(PLAINTEXT, recipients=[recipient]))
    out = tmp_path / "msg"
    with_tty(age, ["-d", "-o", str(out), str(tmp_path / "msg.age")], PASSPHRASE, prompts=1)
    assert out.read_bytes() == PLAINTEXT


def test_age_passphrase_file_opened_by_haven(age: str, tmp_path: Path) -> None:
    (tmp_path / "msg").write_bytes(PLAINTEXT)
    sealed = tmp_path / "msg.age"
    with_tty(age, ["-p", "-o", str(sealed), str(tmp_path / "msg")], PASSPHRASE, prompts=2)
    data = sealed.read_bytes()
    assert b"\n-> scrypt " in data
    assert keys.decrypt(data, identities=[keys.ScryptIdentity(PASSPHRASE)]) == PLAINTEXT


def test_haven_protected_identity_file_opened_by_age(age: str, tmp_path: Path) -> None:
    identity = keys.X25519Identity.generate()
    key = tmp_path / "key.age"
    keys.write_identity_file(key, [identity], passphrase=PASSPHRASE, work_factor=FAST_WORK_FACTOR)
    (tmp_path / "msg.age").write_bytes(keys.encrypt(PLAINTEXT, recipients=[identity.recipient()]))
    out = tmp_path / "msg"
    args = ["-d", "-i", str(key), "-o", str(out), str(tmp_path / "msg.age")]
    with_tty(age, args, PASSPHRASE, prompts=1)
    assert out.read_bytes() == PLAINTEXT


def test_age_protected_identity_file_opened_by_haven(
    age: str, age_keygen: str, tmp_path: Path
) -> None:
    plain_key = tmp_path / "key.txt"
    run(age_keygen, "-o", str(plain_key))
    protected = tmp_path / "key.age"
    args = ["-p", "-o", str(protected), str(plain_key)]
    with_tty(age, args, PASSPHRASE, prompts=2)
    (identity,) = keys.read_identity_file(protected, passphrase=lambda: PASSPHRASE)
    assert str(identity) in plain_key.read_text()
