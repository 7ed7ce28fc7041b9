"""Failure modes found in review: each test fails if its fix is undone."""

from __future__ import annotations

import gc
import io
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.cli import main
from keys.age import AgeWriter
from tests.keys.craft import AgeFile, b64

PLAINTEXT = os.urandom(200_000)


def test_a_dropped_writer_leaves_an_invalid_file(x25519_identity: keys.X25519Identity) -> None:
    out = io.BytesIO()
    writer = AgeWriter(out, recipients=[x25519_identity.recipient()], armor=False)
    writer.write(PLAINTEXT[:100_000])
    del writer  # never closed: an error path that forgot to abort
    gc.collect()
    with pytest.raises(keys.PayloadError):
        keys.decrypt(out.getvalue(), identities=[x25519_identity])


def test_a_dropped_armored_writer_leaves_no_end_line(x25519_identity: keys.X25519Identity) -> None:
    out = io.BytesIO()
    writer = AgeWriter(out, recipients=[x25519_identity.recipient()], armor=True)
    writer.write(b"partial")
    del writer
    gc.collect()
    assert b"-----END AGE ENCRYPTED FILE-----" not in out.getvalue()
    with pytest.raises(keys.AgeError):
        keys.decrypt(out.getvalue(), identities=[x25519_identity])


def test_payload_errors_are_sticky(x25519_identity: keys.X25519Identity) -> None:
    data = bytearray(keys.encrypt(PLAINTEXT, recipients=[x25519_identity.recipient()]))
    data[-70_000] ^= 1  # inside the second of four chunks
    with keys.decrypting(io.BytesIO(bytes(data)), identities=[x25519_identity]) as reader:
        reader.read(65536)
        for _ in range(3):
            with pytest.raises(keys.PayloadError):
                reader.read(65536)


class ShortWriter(io.RawIOBase):
    """A raw sink that accepts at most 1,000 bytes a call, as a raw file may."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        taken = bytes(b[:1000])
        self.data += taken
        return len(taken)


def test_short_writes_are_completed(x25519_identity: keys.X25519Identity) -> None:
    sink = ShortWriter()
    with keys.encrypting(sink, recipients=[x25519_identity.recipient()]) as writer:  # type: ignore[arg-type]
        writer.write(PLAINTEXT)
    assert keys.decrypt(bytes(sink.data), identities=[x25519_identity]) == PLAINTEXT


def test_a_huge_scrypt_work_factor_is_a_header_error() -> None:
    f = AgeFile().version().args("scrypt", b64(b"\x02" * 16), "9" * 5000).body(bytes(32))
    data = f.mac().payload(b"x").bytes()
    with pytest.raises(keys.HeaderError):
        keys.decrypt(data, identities=[keys.ScryptIdentity("pw")])


@pytest.mark.parametrize(
    "point",
    [
        bytes(32),
        (1).to_bytes(32, "little"),
        bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    ],
    ids=["zero", "one", "order-8"],
)
def test_low_order_recipients_are_refused_when_read(point: bytes) -> None:
    with pytest.raises(keys.RecipientError, match="low-order"):
        keys.X25519Recipient(point)
    hybrid = keys.HybridIdentity.generate().recipient().public_key[:-32] + point
    with pytest.raises(keys.RecipientError, match="low-order"):
        keys.HybridRecipient(hybrid)


def test_armor_after_much_leading_whitespace(x25519_identity: keys.X25519Identity) -> None:
    armored = keys.encrypt(b"hello", recipients=[x25519_identity.recipient()], armor=True)
    assert keys.decrypt(b"\n" * 40 + b" \t" * 100 + armored, identities=[x25519_identity]) == (
        b"hello"
    )


def _write_key(tmp_path: Path, identity: keys.X25519Identity) -> Path:
    path = tmp_path / "key.txt"
    path.write_text(str(identity) + "\n")
    return path


def test_failed_decryption_leaves_an_existing_output_untouched(
    tmp_path: Path, x25519_identity: keys.X25519Identity
) -> None:
    key = _write_key(tmp_path, x25519_identity)
    broken = tmp_path / "broken.age"
    broken.write_bytes(keys.encrypt(PLAINTEXT, recipients=[x25519_identity.recipient()])[:-10])
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    result = CliRunner().invoke(
        main, ["keys", "decrypt", "-i", str(key), "-o", str(notes), str(broken)]
    )
    assert result.exit_code == 1
    assert notes.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.age", "key.txt", "notes.txt"]


def test_output_onto_its_own_input_is_refused(
    tmp_path: Path, x25519_identity: keys.X25519Identity
) -> None:
    target = tmp_path / "evidence.bin"
    target.write_bytes(PLAINTEXT)
    result = CliRunner().invoke(
        main,
        ["keys", "encrypt", "-r", str(x25519_identity.recipient()), "-o", str(target), str(target)],
    )
    assert result.exit_code == 1 and "is the input" in result.output
    assert target.read_bytes() == PLAINTEXT


def test_decrypted_output_is_private(tmp_path: Path, x25519_identity: keys.X25519Identity) -> None:
    key = _write_key(tmp_path, x25519_identity)
    sealed = tmp_path / "in.age"
    sealed.write_bytes(keys.encrypt(b"secret", recipients=[x25519_identity.recipient()]))
    out = tmp_path / "out.txt"
    result = CliRunner().invoke(
        main, ["keys", "decrypt", "-i", str(key), "-o", str(out), str(sealed)]
    )
    assert result.exit_code == 0
    assert out.read_bytes() == b"secret"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
