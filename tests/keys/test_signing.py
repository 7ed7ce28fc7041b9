"""SSHSIG signatures: round trips, every refusal, and `ssh-keygen -Y` both ways."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from keys import SignatureError
from keys.signing import PICKUP_NAMESPACE, SigningKey, VerifyingKey
from tests.support import WAIT_SECONDS, require_program

MESSAGE = b'{"format": "haven-pickup", "version": 2}'


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def test_round_trip(key: SigningKey) -> None:
    signature = key.sign(MESSAGE, namespace=PICKUP_NAMESPACE)
    assert signature.startswith("-----BEGIN SSH SIGNATURE-----\n")
    key.public_key().verify(MESSAGE, signature, namespace=PICKUP_NAMESPACE)


def test_public_key_line_round_trips(key: SigningKey) -> None:
    line = str(key.public_key())
    assert line.startswith("ssh-ed25519 AAAA")
    assert VerifyingKey.parse(line + " intake@example") == key.public_key()
    assert key.public_key().fingerprint().startswith("SHA256:")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m, s, n: (m + b" ", s, n),  # altered data
        lambda m, s, n: (m, s, "haven-evidence-v1@haven"),  # replayed for another purpose
        lambda m, s, n: (m, s.replace("A", "B", 1), n),  # altered signature blob
        lambda m, s, n: (m, s.replace("-----BEGIN", "-----BEGAN"), n),  # broken armor
        lambda m, s, n: (m, s[:60] + "!" + s[61:], n),  # not base64
        lambda m, s, n: (m, "", n),
    ],
)
def test_refusals(key: SigningKey, tamper) -> None:  # type: ignore[no-untyped-def]
    signature = key.sign(MESSAGE, namespace=PICKUP_NAMESPACE)
    message, bad, namespace = tamper(MESSAGE, signature, PICKUP_NAMESPACE)
    with pytest.raises(SignatureError):
        key.public_key().verify(message, bad, namespace=namespace)


def test_another_key_is_named(key: SigningKey) -> None:
    other = SigningKey.generate()
    signature = other.sign(MESSAGE, namespace=PICKUP_NAMESPACE)
    with pytest.raises(SignatureError, match="another key"):
        key.public_key().verify(MESSAGE, signature, namespace=PICKUP_NAMESPACE)


@pytest.mark.parametrize(
    "line",
    ["", "ssh-rsa AAAAB3NzaC1yc2E", "ssh-ed25519 !!!", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAQA="],
)
def test_bad_public_key_lines(line: str) -> None:
    with pytest.raises(SignatureError):
        VerifyingKey.parse(line)


def test_key_file_is_private_and_never_overwritten(tmp_path: Path, key: SigningKey) -> None:
    path = tmp_path / "signing_key"
    key.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKey.load(path).public_key() == key.public_key()
    with pytest.raises(FileExistsError):
        key.save(path)
    os.chmod(path, 0o644)
    with pytest.raises(SignatureError, match="other users"):
        SigningKey.load(path)


def test_stock_ssh_keygen_verifies_ours(tmp_path: Path, key: SigningKey) -> None:
    ssh_keygen = require_program("ssh-keygen", "apt-get install -y openssh-client")
    (tmp_path / "data.sig").write_text(key.sign(MESSAGE, namespace=PICKUP_NAMESPACE))
    (tmp_path / "allowed").write_text(f"intake {key.public_key()}\n")

    def stock_verify(message: bytes) -> int:
        return subprocess.run(
            [
                ssh_keygen,
                "-Y",
                "verify",
                "-f",
                str(tmp_path / "allowed"),
                "-I",
                "intake",
                "-n",
                PICKUP_NAMESPACE,
                "-s",
                str(tmp_path / "data.sig"),
            ],
            input=message,
            capture_output=True,
            timeout=WAIT_SECONDS,
        ).returncode

    assert stock_verify(MESSAGE) == 0
    assert stock_verify(MESSAGE + b"!") != 0


def test_we_verify_stock_ssh_keygen_signatures(tmp_path: Path) -> None:
    ssh_keygen = require_program("ssh-keygen", "apt-get install -y openssh-client")
    key_path = tmp_path / "id_ed25519"
    subprocess.run(
        [ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key_path)],
        check=True,
        timeout=WAIT_SECONDS,
    )
    (tmp_path / "data").write_bytes(MESSAGE)
    subprocess.run(
        [
            ssh_keygen,
            "-q",
            "-Y",
            "sign",
            "-f",
            str(key_path),
            "-n",
            PICKUP_NAMESPACE,
            str(tmp_path / "data"),
        ],
        check=True,
        capture_output=True,
        timeout=WAIT_SECONDS,
    )
    public = VerifyingKey.parse((tmp_path / "id_ed25519.pub").read_text())
    signature = (tmp_path / "data.sig").read_text()
    public.verify(MESSAGE, signature, namespace=PICKUP_NAMESPACE)
    assert SigningKey.load(key_path).public_key() == public
