"""decrypt_stream's batched path: the same plaintext and the same failures as the chunk reader.

decrypt_stream opens the payload in batches of chunks (keys/stream.py,
decrypt_payload); these sizes put the file's end everywhere a batch can end:
inside, at and just past a batch of 16 chunks, and one and two batches on.
"""

from __future__ import annotations

import io

import pytest

import keys
from keys.stream import CHUNK_SIZE, SEALED_CHUNK_SIZE

IDENTITY = keys.X25519Identity(bytes(range(32)))
BATCH = 16
SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, (BATCH - 1) * CHUNK_SIZE,
         BATCH * CHUNK_SIZE - 1, BATCH * CHUNK_SIZE, BATCH * CHUNK_SIZE + 1,
         2 * BATCH * CHUNK_SIZE, 2 * BATCH * CHUNK_SIZE + 100]


def _plaintext(size: int) -> bytes:
    return bytes(index % 253 for index in range(size))


def _streamed(ciphertext: bytes) -> bytes:
    out = io.BytesIO()
    keys.decrypt_stream(io.BytesIO(ciphertext), out, identities=[IDENTITY])
    return out.getvalue()


def _failure(decrypt: object, ciphertext: bytes) -> str:
    with pytest.raises(keys.PayloadError) as caught:
        decrypt(ciphertext)  # type: ignore[operator]
    return str(caught.value)


@pytest.mark.parametrize("size", SIZES)
def test_every_size_decrypts_whole(size: int) -> None:
    ciphertext = keys.encrypt(_plaintext(size), recipients=[IDENTITY.recipient()])
    assert _streamed(ciphertext) == _plaintext(size)


@pytest.mark.parametrize("size", [BATCH * CHUNK_SIZE, BATCH * CHUNK_SIZE + 1,
                                  2 * BATCH * CHUNK_SIZE + 100])
@pytest.mark.parametrize("cut", ["last chunk", "chunk boundary", "trailing byte", "flipped"])
def test_damage_fails_as_the_chunk_reader_fails(size: int, cut: str) -> None:
    ciphertext = keys.encrypt(_plaintext(size), recipients=[IDENTITY.recipient()])
    payload_end = len(ciphertext)
    if cut == "last chunk":
        damaged = ciphertext[:-1]
    elif cut == "chunk boundary":
        # Drop the whole final chunk: what is left ends on a middle chunk.
        last = (size % CHUNK_SIZE or CHUNK_SIZE) + SEALED_CHUNK_SIZE - CHUNK_SIZE
        damaged = ciphertext[: payload_end - last]
    elif cut == "trailing byte":
        damaged = ciphertext + b"\x00"
    else:
        middle = payload_end - 3 * SEALED_CHUNK_SIZE // 2
        damaged = ciphertext[:middle] + bytes([ciphertext[middle] ^ 1]) + ciphertext[middle + 1 :]

    def whole(data: bytes) -> bytes:
        return keys.decrypt(data, identities=[IDENTITY])

    assert _failure(_streamed, damaged) == _failure(whole, damaged)


def test_only_authenticated_chunks_reach_the_output_before_a_failure() -> None:
    size = BATCH * CHUNK_SIZE + 100
    ciphertext = bytearray(keys.encrypt(_plaintext(size), recipients=[IDENTITY.recipient()]))
    ciphertext[-50] ^= 1  # the final chunk fails; every chunk before it is good
    out = io.BytesIO()
    with pytest.raises(keys.PayloadError):
        keys.decrypt_stream(io.BytesIO(bytes(ciphertext)), out, identities=[IDENTITY])
    released = out.getvalue()
    assert len(released) % CHUNK_SIZE == 0 and released == _plaintext(size)[: len(released)]
