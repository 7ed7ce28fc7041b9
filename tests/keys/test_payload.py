"""STREAM failures: truncation, trailing data, flipped bytes, and what a reader sees before them."""

from __future__ import annotations

import io

import pytest

import keys
from tests.keys.craft import CHUNK, AgeFile
from tests.keys.failures import IDENTITY, SECRET, assert_fails

SEALED = CHUNK + 16


def header() -> AgeFile:
    return AgeFile().version().x25519(SECRET).mac()


def three_chunks() -> tuple[bytes, int]:
    """A file of two full chunks and a short final one, and where its payload starts."""
    f = header()
    start = len(f.buf) + 16
    return f.payload(b"\x00" * CHUNK + b"\x01" * CHUNK + b"\x02" * 10).bytes(), start


def test_empty_plaintext_is_one_empty_final_chunk() -> None:
    data = header().payload(b"").bytes()
    assert keys.decrypt(data, identities=[IDENTITY]) == b""


def test_a_full_final_chunk_is_valid() -> None:
    data = header().payload(b"\x07" * CHUNK).bytes()
    assert keys.decrypt(data, identities=[IDENTITY]) == b"\x07" * CHUNK


@pytest.mark.parametrize(
    "keep",
    [
        0,  # nonce only, no chunk at all
        1,  # a byte of the first chunk
        15,  # shorter than a tag
        SEALED // 2,  # mid-chunk
        SEALED,  # at a chunk boundary: the first chunk is not final
        SEALED + 16,  # a bare tag's worth of the second chunk
        2 * SEALED,  # two full chunks, final one missing
        2 * SEALED + 20,  # inside the final chunk
        2 * SEALED + 26 - 1,  # the final chunk's tag cut by one byte
    ],
)
def test_truncated_payload(keep: int) -> None:
    data, start = three_chunks()
    assert_fails(data[: start + keep], keys.PayloadError)


@pytest.mark.parametrize("extra", [b"\x00", b"\x00" * 16, b"\x00" * SEALED], ids=len)
def test_trailing_data_after_the_final_chunk(extra: bytes) -> None:
    data, _ = three_chunks()
    assert_fails(data + extra, keys.PayloadError)


def test_trailing_data_after_a_full_final_chunk() -> None:
    data = header().payload(b"\x07" * CHUNK).bytes()
    assert_fails(data + b"\x00", keys.PayloadError)


def test_empty_final_chunk_after_full_chunks() -> None:
    # A canonical encoder marks the full chunk final; an empty final chunk after it is refused.
    f = header().nonce().chunk(b"\x07" * CHUNK, last=False).chunk(b"", last=True)
    assert_fails(f.bytes(), keys.PayloadError)


def test_two_final_chunks() -> None:
    f = header().nonce().chunk(b"a" * 10, last=True).chunk(b"b" * 10, last=True)
    assert_fails(f.bytes(), keys.PayloadError)


def test_final_flag_on_a_full_chunk_followed_by_more() -> None:
    f = header().nonce().chunk(b"a" * CHUNK, last=True).chunk(b"b" * 10, last=True)
    assert_fails(f.bytes(), keys.PayloadError)


def test_last_chunk_without_the_final_flag() -> None:
    f = header().nonce().chunk(b"a" * 10, last=False)
    assert_fails(f.bytes(), keys.PayloadError)


@pytest.mark.parametrize(
    "offset",
    [0, 15, 16, 16 + 100, 16 + CHUNK, 16 + SEALED - 1, 16 + 2 * SEALED + 3],
    ids=["nonce-first", "nonce-last", "chunk-0", "chunk-0-middle", "tag-0", "tag-0-last", "final"],
)
def test_flipped_payload_byte(offset: int) -> None:
    data, start = three_chunks()
    tampered = bytearray(data)
    tampered[start - 16 + offset] ^= 0x20
    assert_fails(bytes(tampered), keys.PayloadError)


@pytest.mark.parametrize("read_size", [4096, CHUNK])
def test_reader_releases_only_authenticated_chunks_then_fails(read_size: int) -> None:
    data, start = three_chunks()
    tampered = bytearray(data)
    tampered[start + SEALED + 5] ^= 1  # inside the second chunk
    released = bytearray()
    with (
        pytest.raises(keys.PayloadError),
        keys.decrypting(io.BytesIO(bytes(tampered)), identities=[IDENTITY]) as reader,
    ):
        while part := reader.read(read_size):
            released += part
    # Exactly the first chunk, which verified; never a byte of the altered one.
    assert released == b"\x00" * CHUNK


def test_decrypt_returns_nothing_when_the_end_is_cut() -> None:
    data, _ = three_chunks()
    with pytest.raises(keys.PayloadError):
        keys.decrypt(data[:-1], identities=[IDENTITY])
