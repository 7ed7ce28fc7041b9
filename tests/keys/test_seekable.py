"""Random access into age files: every range equals the plaintext's slice, every fault raises."""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from pathlib import Path

import pexpect
import pytest

import keys
from tests.keys.craft import CHUNK, AgeFile
from tests.keys.failures import IDENTITY, SECRET
from tests.keys.passphrases import PASSPHRASE
from tests.support import WAIT_SECONDS, require_program

SEALED = CHUNK + 16
# Around every chunk edge: empty, one byte, one short of a chunk, exactly one,
# one over, and three chunks and a bit.
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7]


def plaintext(size: int) -> bytes:
    # No period that divides the chunk size: a chunk read from the wrong place shows.
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


def header() -> AgeFile:
    return AgeFile().version().x25519(SECRET).mac()


def opened(data: bytes, identity: keys.Identity = IDENTITY) -> keys.SeekableAgeFile:
    return keys.open_seekable(io.BytesIO(data), identities=[identity])


def edges(size: int) -> list[int]:
    """Offsets at and around each chunk boundary inside (and just past) `size`."""
    points = {0, 1, size - 1, size, size + 1}
    for boundary in range(CHUNK, size + CHUNK, CHUNK):
        points |= {boundary - 1, boundary, boundary + 1}
    return sorted(p for p in points if p >= 0)


@pytest.mark.parametrize("size", SIZES)
def test_every_range_around_chunk_edges_equals_the_plain_slice(size: int) -> None:
    plain = plaintext(size)
    reader = opened(header().payload(plain).bytes())
    assert reader.size == size
    for offset in edges(size):
        for length in (0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 3):
            assert reader.read_at(offset, length) == plain[offset : offset + length]


@pytest.mark.parametrize("size", SIZES)
def test_it_reads_as_a_seekable_file(size: int) -> None:
    plain = plaintext(size)
    with io.BufferedReader(opened(header().payload(plain).bytes())) as reader:
        assert reader.read() == plain
        reader.seek(-min(size, 5), os.SEEK_END)
        assert reader.read() == plain[-5:] if size else reader.read() == b""
        reader.seek(size // 2)
        assert reader.tell() == size // 2
        assert reader.read(CHUNK) == plain[size // 2 : size // 2 + CHUNK]


def test_zipfile_reads_an_archive_through_it() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("padding.bin", plaintext(3 * CHUNK))
        out.writestr("docProps/core.xml", b"<dc:creator>Jane</dc:creator>")
    data = keys.encrypt(archive.getvalue(), recipients=[IDENTITY.recipient()])
    with zipfile.ZipFile(io.BufferedReader(opened(data))) as found:
        assert found.read("docProps/core.xml") == b"<dc:creator>Jane</dc:creator>"


def test_every_key_kind(kinds: dict[str, tuple[keys.Recipient, keys.Identity]]) -> None:
    plain = plaintext(2 * CHUNK + 3)
    for recipient, identity in kinds.values():
        reader = opened(keys.encrypt(plain, recipients=[recipient]), identity)
        assert reader.read_at(CHUNK - 1, CHUNK + 4) == plain[CHUNK - 1 : 2 * CHUNK + 3]


def three_chunks() -> tuple[bytes, int, bytes]:
    """A file of two full chunks and a short final one, where its payload starts, its plaintext."""
    f = header()
    start = len(f.buf) + 16
    plain = plaintext(2 * CHUNK + 10)
    return f.payload(plain).bytes(), start, plain


@pytest.mark.parametrize("chunk", [0, 1, 2])
@pytest.mark.parametrize("where", [0, CHUNK // 2, SEALED - 1])
def test_a_flipped_byte_fails_the_read_that_covers_it(chunk: int, where: int) -> None:
    data, start, plain = three_chunks()
    position = start + chunk * SEALED + where
    if position >= len(data):
        position = len(data) - 1
    damaged = bytearray(data)
    damaged[position] ^= 0x01
    if chunk == 2:
        # The final chunk proves the size: opening checks it.
        with pytest.raises(keys.PayloadError):
            opened(bytes(damaged))
        return
    reader = opened(bytes(damaged))
    untouched = (1 - chunk) * CHUNK
    assert reader.read_at(untouched, 10) == plain[untouched : untouched + 10]
    with pytest.raises(keys.PayloadError, match="authentication"):
        reader.read_at(chunk * CHUNK, 1)
    # Failed once, failed for good: no later read looks whole.
    with pytest.raises(keys.PayloadError):
        reader.read_at(untouched, 1)


def test_a_flipped_byte_in_the_nonce_or_header_fails_at_open() -> None:
    data, start, _ = three_chunks()
    nonce = bytearray(data)
    nonce[start - 1] ^= 0x01
    with pytest.raises(keys.PayloadError):
        opened(bytes(nonce))
    mac = bytearray(data)
    mac[start - 18] ^= 0x01  # inside the MAC line
    with pytest.raises(keys.AgeError):
        opened(bytes(mac))


@pytest.mark.parametrize("chunks", [1, 2, 3])
def test_truncation_at_every_chunk_boundary_fails(chunks: int) -> None:
    data, start, _ = three_chunks()
    for keep in range(chunks):
        with pytest.raises(keys.PayloadError, match="truncated"):
            opened(data[: start + keep * SEALED])


@pytest.mark.parametrize("cut", [1, 15, 16, 17, SEALED - 17])
def test_truncation_inside_the_final_chunk_fails(cut: int) -> None:
    data, _, _ = three_chunks()
    with pytest.raises(keys.PayloadError):
        opened(data[:-cut])


def test_a_missing_nonce_is_a_header_failure() -> None:
    data, start, _ = three_chunks()
    with pytest.raises(keys.HeaderError):
        opened(data[: start - 1])


def test_a_final_chunk_without_the_last_flag_fails() -> None:
    f = header().nonce()
    f.chunk(plaintext(CHUNK), last=False).chunk(b"tail", last=False)
    with pytest.raises(keys.PayloadError):
        opened(f.bytes())
    full = header().nonce().chunk(plaintext(CHUNK), last=False)
    with pytest.raises(keys.PayloadError, match="truncated"):
        opened(full.bytes())


def test_the_last_flag_on_a_middle_chunk_fails() -> None:
    f = header().nonce()
    f.chunk(plaintext(CHUNK), last=True).chunk(b"tail", last=True)
    reader = opened(f.bytes())
    with pytest.raises(keys.PayloadError, match="trailing data"):
        reader.read_at(0, 1)


def test_an_empty_final_chunk_after_others_fails() -> None:
    f = header().nonce().chunk(plaintext(CHUNK), last=False).chunk(b"", last=True)
    with pytest.raises(keys.PayloadError, match="empty"):
        opened(f.bytes())


def test_a_short_chunk_before_the_final_one_fails() -> None:
    # A short middle chunk shifts the final one off its place: its size is wrong.
    f = header().nonce().chunk(b"short", last=False).chunk(b"tail", last=True)
    with pytest.raises(keys.PayloadError):
        opened(f.bytes())


def test_trailing_bytes_after_the_final_chunk_fail() -> None:
    data, _, _ = three_chunks()
    for extra in (b"\x00", b"\x00" * SEALED):
        with pytest.raises(keys.PayloadError):
            opened(data + extra)


def test_armored_files_are_refused_with_a_clear_error() -> None:
    data = keys.encrypt(b"hello", recipients=[IDENTITY.recipient()], armor=True)
    with pytest.raises(keys.HeaderError, match="armored"):
        opened(data)


def test_a_closed_reader_refuses_reads() -> None:
    reader = opened(header().payload(b"hello").bytes())
    reader.close()
    with pytest.raises(ValueError):
        reader.read_at(0, 1)


def test_x25519_file_from_stock_age_reads_seekably(tmp_path: Path) -> None:
    age = require_program("age", "apt-get install age")
    age_keygen = require_program("age-keygen", "apt-get install age")
    key = tmp_path / "key.txt"
    subprocess.run([age_keygen, "-o", str(key)], check=True, capture_output=True,
                   timeout=WAIT_SECONDS)
    (identity,) = keys.read_identity_file(key)
    plain = plaintext(3 * CHUNK + 7)
    (tmp_path / "msg").write_bytes(plain)
    sealed = tmp_path / "msg.age"
    subprocess.run([age, "-r", str(identity.recipient()), "-o", str(sealed), str(tmp_path / "msg")],
                   check=True, capture_output=True, timeout=WAIT_SECONDS)
    with sealed.open("rb") as source:
        reader = keys.open_seekable(source, identities=[identity])
        assert reader.size == len(plain)
        for offset in edges(len(plain)):
            assert reader.read_at(offset, CHUNK + 2) == plain[offset : offset + CHUNK + 2]


def test_passphrase_file_from_stock_age_reads_seekably(tmp_path: Path) -> None:
    age = require_program("age", "apt-get install age")
    plain = plaintext(CHUNK + 1)
    (tmp_path / "msg").write_bytes(plain)
    sealed = tmp_path / "msg.age"
    # age reads a passphrase only from a terminal: answer its two prompts on a pty.
    child = pexpect.spawn(age, ["-p", "-o", str(sealed), str(tmp_path / "msg")],
                          timeout=WAIT_SECONDS)
    for _ in range(2):
        child.expect("(?i)passphrase")
        child.sendline(PASSPHRASE)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    with sealed.open("rb") as source:
        reader = keys.open_seekable(source, identities=[keys.ScryptIdentity(PASSPHRASE)])
        assert reader.read_at(CHUNK - 1, 5) == plain[CHUNK - 1 :]
