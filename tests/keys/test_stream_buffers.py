"""The STREAM writer's batch buffer: allocated only as large as the plaintext needs.

Intake opens a writer for every attachment and for every report document, most
of them a few KiB: a 1 MiB batch buffer zeroed for each cost more CPU than
sealing them. The ciphertext must not depend on how the plaintext was written.
"""

from __future__ import annotations

import io
import tracemalloc

import pytest

from keys.stream import CHUNK_SIZE, StreamWriter

KEY = bytes(range(32))
KIB = 1 << 10


def _sealed(plaintext: bytes, write_size: int) -> bytes:
    out = io.BytesIO()
    writer = StreamWriter(out, key=KEY)
    for at in range(0, len(plaintext), write_size):
        writer.write(plaintext[at : at + write_size])
    writer.close()
    return out.getvalue()


def test_a_small_plaintext_allocates_no_batch_buffer() -> None:
    tracemalloc.start()
    try:
        _sealed(b"a report document" * 100, 4 * KIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * KIB, f"peak {peak / KIB:.0f} KiB"


def test_a_file_of_three_chunks_allocates_a_buffer_of_its_size() -> None:
    plaintext = bytes(3 * CHUNK_SIZE + 5)
    tracemalloc.start()
    try:
        _sealed(plaintext, len(plaintext))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Its sealed chunks (and their copies in the BytesIO), not sixteen chunks' worth.
    assert peak < 640 * KIB, f"peak {peak / KIB:.0f} KiB"


@pytest.mark.parametrize("write_size", [1, 1000, CHUNK_SIZE, 3 * CHUNK_SIZE + 7, 40 * CHUNK_SIZE])
def test_the_ciphertext_is_the_same_however_the_plaintext_is_written(write_size: int) -> None:
    plaintext = bytes(range(256)) * (20 * CHUNK_SIZE // 256) + b"tail"
    if write_size == 1:
        plaintext = plaintext[: 2 * CHUNK_SIZE + 3]  # a byte at a time, kept short
    whole = _sealed(plaintext, len(plaintext))
    assert _sealed(plaintext, write_size) == whole
