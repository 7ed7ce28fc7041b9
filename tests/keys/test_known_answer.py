"""Known answers: the specification's example keys, and byte-exact files from pinned randomness."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

import keys
import keys.primitives
from tests.keys.craft import AgeFile
from tests.keys.vectors import load

TESTDATA = Path(__file__).parent / "testdata"
KEY_FILES = sorted(TESTDATA.glob("good_*_key.txt"))


def public_key_comment(path: Path) -> str:
    (line,) = [x for x in path.read_text().splitlines() if x.startswith("# public key: ")]
    return line.removeprefix("# public key: ")


@pytest.mark.parametrize("path", KEY_FILES, ids=[p.stem for p in KEY_FILES])
def test_hybrid_identity_derives_its_published_recipient(path: Path) -> None:
    (identity,) = keys.read_identity_file(path)
    assert isinstance(identity, keys.HybridIdentity)
    recipient = identity.recipient()
    assert str(recipient) == public_key_comment(path)
    assert len(str(recipient)) > 1900
    # Formatting round-trips: the identity line we would write is the one we read.
    assert str(identity) in path.read_text().splitlines()
    assert keys.parse_recipient(str(recipient)) == recipient


def test_spec_x25519_example_key() -> None:
    identity = keys.parse_identity(
        "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    )
    assert str(identity.recipient()) == (
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
    )
    assert str(identity) == str(keys.X25519Identity(b"\x42" * 32))


def test_spec_pq_example_stanza_unwraps_to_its_file_key() -> None:
    (identity,) = keys.read_identity_file(TESTDATA / "good_spec_pq_key.txt")
    # The file key the spec's stanza wraps; a wrong unwrap would fail the MAC below.
    f = AgeFile(file_key=bytes.fromhex("df56f61c8e496609c18d25c197451803")).version()
    f.buf += (TESTDATA / "good_spec_pq_stanza.txt").read_bytes()
    data = f.mac().payload(b"Hello, age!\n").bytes()
    assert keys.decrypt(data, identities=[identity]) == b"Hello, age!\n"
    with pytest.raises(keys.NoIdentityMatchError):
        keys.decrypt(data, identities=[keys.HybridIdentity.generate()])


def age_testkit_randomness(file_key: bytes) -> Callable[[int], bytes]:
    """The age testkit's randomness: a ChaCha20 keystream, after a fixed file key."""
    stream = Cipher(
        algorithms.ChaCha20(b"TEST RANDOMNESS TEST RANDOMNESS!", bytes(16)), mode=None
    ).encryptor()
    draws = iter([file_key])

    def random_bytes(size: int) -> bytes:
        first = next(draws, None)
        if first is not None:
            assert len(first) == size
            return first
        return stream.update(bytes(size))

    return random_bytes


@pytest.fixture
def pin_randomness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bytes], None]]:
    """Replace keys.primitives.random_bytes wherever a keys/ module imported it."""

    def pin(file_key: bytes) -> None:
        replacement = age_testkit_randomness(file_key)
        for name, module in list(sys.modules.items()):
            # Each module imported the seam by name, so each holds its own reference.
            if name.split(".")[0] == "keys" and hasattr(module, "random_bytes"):
                monkeypatch.setattr(module, "random_bytes", replacement)

    yield pin


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_x25519_encryption_reproduces_the_testkit_file_byte_for_byte(
    pin_randomness: Callable[[bytes], None], armor: bool
) -> None:
    meta, expected = load(TESTDATA / "testkit" / ("armor_no_eol" if armor else "x25519"))
    if armor:
        expected += b"\n"  # the vector's point is a missing final newline; ours has one
    recipient = keys.parse_identity(meta["identity"][0]).recipient()
    pin_randomness(bytes.fromhex(meta["file key"][0]))
    assert keys.encrypt(b"age", recipients=[recipient], armor=armor) == expected
