"""Round trips at the STREAM boundaries, with odd write and read sizes, for every kind."""

from __future__ import annotations

import io
import random

import pytest

import keys
from keys.stream import CHUNK_SIZE, TAG_SIZE
from tests.keys.streams import Trickle, decrypt_in_pieces, encrypt_in_pieces

MIB = 1024 * 1024
# Empty, one byte, either side of one and two chunks, and a few MiB that do not
# end on a chunk boundary.
SIZES = [0, 1, 65535, 65536, 65537, 131072, 3 * MIB + 17]
IO_SIZES = [1, 1000, 65536, 70001]
# Byte-at-a-time over megabytes measures the interpreter, not the format.
SLOW_COMBINATIONS = {(3 * MIB + 17, 1)}


def plaintext_of(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def payload_size(size: int) -> int:
    """Nonce plus sealed chunks: a full last chunk is never followed by an empty one."""
    chunks = max(1, -(-size // CHUNK_SIZE))
    return 16 + size + chunks * TAG_SIZE


@pytest.mark.parametrize(
    ("size", "io_size"),
    [(s, n) for s in SIZES for n in IO_SIZES if (s, n) not in SLOW_COMBINATIONS],
)
def test_x25519_round_trip_with_odd_io_sizes(
    x25519_identity: keys.X25519Identity, size: int, io_size: int
) -> None:
    plaintext = plaintext_of(size)
    recipient = x25519_identity.recipient()
    ciphertext = encrypt_in_pieces(plaintext, recipients=[recipient], write_size=io_size)
    header_end = ciphertext.index(b"\n---") + len(b"\n--- ") + 43 + 1
    assert len(ciphertext) - header_end == payload_size(size)
    got = decrypt_in_pieces(ciphertext, identities=[x25519_identity], read_size=io_size)
    assert got == plaintext


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
@pytest.mark.parametrize("kind", ["x25519", "scrypt", "hybrid"])
@pytest.mark.parametrize("size", SIZES)
def test_every_kind_round_trips(
    kinds: dict[str, tuple[keys.Recipient, keys.Identity]], kind: str, armor: bool, size: int
) -> None:
    recipient, identity = kinds[kind]
    plaintext = plaintext_of(size)
    ciphertext = encrypt_in_pieces(plaintext, recipients=[recipient], write_size=70001, armor=armor)
    assert ciphertext.startswith(b"-----BEGIN AGE" if armor else b"age-encryption.org/v1\n")
    assert decrypt_in_pieces(ciphertext, identities=[identity], read_size=1000) == plaintext


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
@pytest.mark.parametrize("step", [1, 7, 65552, 65553])
def test_short_reads_from_the_source_are_not_truncation(
    x25519_identity: keys.X25519Identity, armor: bool, step: int
) -> None:
    plaintext = plaintext_of(2 * CHUNK_SIZE + 3)
    recipient = x25519_identity.recipient()
    ciphertext = keys.encrypt(plaintext, recipients=[recipient], armor=armor)
    out = io.BytesIO()
    keys.decrypt_stream(Trickle(ciphertext, step=step), out, identities=[x25519_identity])
    assert out.getvalue() == plaintext


def test_stream_functions_round_trip(hybrid_identity: keys.HybridIdentity) -> None:
    plaintext = plaintext_of(5 * CHUNK_SIZE + 1)
    sealed, opened = io.BytesIO(), io.BytesIO()
    keys.encrypt_stream(io.BytesIO(plaintext), sealed, recipients=[hybrid_identity.recipient()])
    sealed.seek(0)
    keys.decrypt_stream(sealed, opened, identities=[hybrid_identity])
    assert opened.getvalue() == plaintext


@pytest.mark.parametrize("kind", [keys.X25519Identity, keys.HybridIdentity])
def test_multiple_recipients_each_open_the_file(kind: type[keys.X25519Identity]) -> None:
    identities = [kind.generate() for _ in range(3)]
    ciphertext = keys.encrypt(b"report", recipients=[i.recipient() for i in identities])
    assert ciphertext.count(b"\n-> ") == 3
    for identity in identities:
        assert keys.decrypt(ciphertext, identities=[identity]) == b"report"
    # A stranger's identity first in the list does not stop the right one matching.
    stranger = kind.generate()
    assert keys.decrypt(ciphertext, identities=[stranger, identities[2]]) == b"report"


def test_each_file_gets_a_fresh_file_key_and_nonce(x25519_identity: keys.X25519Identity) -> None:
    recipient = x25519_identity.recipient()
    first = keys.encrypt(b"same", recipients=[recipient])
    second = keys.encrypt(b"same", recipients=[recipient])
    assert first != second
    assert first[-32:] != second[-32:]


def test_writer_refuses_use_after_close(x25519_identity: keys.X25519Identity) -> None:
    with keys.encrypting(io.BytesIO(), recipients=[x25519_identity.recipient()]) as writer:
        writer.write(b"x")
    with pytest.raises(ValueError):
        writer.write(b"more")


def test_an_exception_inside_encrypting_leaves_an_invalid_file(
    x25519_identity: keys.X25519Identity,
) -> None:
    out = io.BytesIO()
    with (
        pytest.raises(RuntimeError),
        keys.encrypting(out, recipients=[x25519_identity.recipient()]) as writer,
    ):
        writer.write(b"half a report")
        raise RuntimeError("the upload was cut")
    # Without a final chunk the file must never decrypt as if it were complete.
    with pytest.raises(keys.PayloadError):
        keys.decrypt(out.getvalue(), identities=[x25519_identity])
