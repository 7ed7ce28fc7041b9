"""Random access into a binary age file: any plaintext range, decrypting only its chunks.

The STREAM payload seals each 64 KiB chunk alone, under a nonce made of the
chunk's counter and a last-chunk flag, so chunk i can be opened by itself from
the ciphertext at header + nonce + i x (64 KiB + 16). That is what makes a
zip's end record readable without decrypting the 32 MiB before it.

What stays true of every byte returned:
- it comes from a chunk whose tag verified under its own counter, so no chunk
  can be moved, repeated or swapped in from another file;
- the plaintext size follows from the ciphertext size (keys.stream.plaintext_size),
  and the final chunk, the only one that carries the last flag and may be short,
  is authenticated when the file is opened: `size` is the authenticated size,
  and a file cut at a chunk boundary or extended after its final chunk fails
  at open, never reads as a shorter or longer plaintext.
Chunks not read are not checked: a flipped byte in the middle of the file is
found only when a read covers it (then PayloadError, and every later read
fails too). A caller that needs the whole file authenticated reads all of it,
or uses keys.decrypt_stream.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import BinaryIO

from keys.age import _unwrap_file_key, read_header
from keys.armor import DETECTION_PREFIX, looks_armored
from keys.errors import HeaderError, HeaderMACError, NoIdentityMatchError, PayloadError
from keys.header import MAC_B64_LENGTH
from keys.primitives import PAYLOAD_NONCE_SIZE, PayloadCipher, header_mac_verifies, payload_key
from keys.recipient import Identity
from keys.stream import CHUNK_SIZE, SEALED_CHUNK_SIZE, TAG_SIZE, open_chunk, plaintext_size


class SeekableAgeFile(io.RawIOBase):
    """A read-only, seekable view of an age file's plaintext (from open_seekable()).

    Reads go to the underlying file, which the caller keeps open and owns:
    closing this object leaves it open. Not safe for concurrent use from
    several threads (one file position is shared).
    """

    def __init__(self, src: BinaryIO, *, payload_start: int, payload_size: int, key: bytes
                 ) -> None:
        super().__init__()
        self._src = src
        self._payload_start = payload_start
        self._size = plaintext_size(payload_size)
        self._last_index = max(-(-payload_size // SEALED_CHUNK_SIZE) - 1, 0)
        self._last_sealed = payload_size - self._last_index * SEALED_CHUNK_SIZE
        self._cipher = PayloadCipher(key)
        self._position = 0
        self._error: PayloadError | None = None
        # The final chunk is opened now: it proves the size. The most recent
        # other chunk is kept too, since readers walk forward in small steps.
        self._final = self._open(self._last_index)
        self._recent: tuple[int, bytes] = (self._last_index, self._final)

    @property
    def size(self) -> int:
        """The plaintext size in bytes (authenticated by the final chunk)."""
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._check_open()
        if whence == os.SEEK_SET:
            target = offset
        elif whence == os.SEEK_CUR:
            target = self._position + offset
        elif whence == os.SEEK_END:
            target = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if target < 0:
            raise OSError(22, "negative seek position")
        self._position = target
        return target

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        data = self.read_at(self._position, len(target))
        target[: len(data)] = data
        self._position += len(data)
        return len(data)

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to `length` plaintext bytes from `offset` (fewer only at the end of the file)."""
        self._check_open()
        if offset < 0 or length < 0:
            raise ValueError("offset and length must not be negative")
        end = min(offset + length, self._size)
        parts = []
        position = offset
        while position < end:
            index, within = divmod(position, CHUNK_SIZE)
            chunk = self._chunk(index)
            piece = chunk[within : within + end - position]
            parts.append(piece)
            position += len(piece)
        return b"".join(parts)

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("read from a closed age file")

    def _chunk(self, index: int) -> bytes:
        if self._error is not None:
            # A file that failed once stays failed: no later read may look whole,
            # not even of a chunk that verified before.
            raise self._error
        if index == self._last_index:
            return self._final
        if self._recent[0] == index:
            return self._recent[1]
        plain = self._open(index)
        self._recent = (index, plain)
        return plain

    def _open(self, index: int) -> bytes:
        at_end = index == self._last_index
        length = self._last_sealed if at_end else SEALED_CHUNK_SIZE
        self._src.seek(self._payload_start + index * SEALED_CHUNK_SIZE)
        sealed = _read_exact(self._src, length)
        plain = bytearray(max(length - TAG_SIZE, 0))
        try:
            if len(sealed) != length:
                # Shorter than at open: the file was cut since.
                raise PayloadError("payload is truncated")
            open_chunk(self._cipher, index, memoryview(sealed), memoryview(plain), at_end=at_end)
        except PayloadError as err:
            self._error = err
            raise
        return bytes(plain)


def open_seekable(src: BinaryIO, *, identities: Iterable[Identity]) -> SeekableAgeFile:
    """Verify the header of the binary age file in `src` (seekable) and open it for random reads.

    The header and its MAC are checked and the final chunk authenticated here;
    every other chunk when a read first covers it. Armored files are refused
    (HeaderError): armor hides the chunk offsets, so decrypt those as a stream.
    """
    chosen = list(identities)
    if not chosen:
        raise NoIdentityMatchError("no identities given")
    src.seek(0)
    if looks_armored(src.read(DETECTION_PREFIX)):
        raise HeaderError("an armored age file cannot be read at random; decrypt it as a stream")
    src.seek(0)
    _, header = read_header(src)
    file_key = _unwrap_file_key(header, chosen)
    if not header_mac_verifies(
        file_key=file_key, header_without_mac=header.mac_input, mac=header.mac
    ):
        raise HeaderMACError("header MAC does not verify")
    # The parser accepted exactly `mac_input`, a space, the 43-character MAC
    # and a newline: the nonce starts right after.
    nonce_start = len(header.mac_input) + len(b" ") + MAC_B64_LENGTH + len(b"\n")
    src.seek(nonce_start)
    nonce = _read_exact(src, PAYLOAD_NONCE_SIZE)
    if len(nonce) != PAYLOAD_NONCE_SIZE:
        raise HeaderError("payload nonce is missing or short")
    payload_start = nonce_start + PAYLOAD_NONCE_SIZE
    payload_size = src.seek(0, os.SEEK_END) - payload_start
    return SeekableAgeFile(src, payload_start=payload_start, payload_size=payload_size,
                           key=payload_key(file_key=file_key, nonce=nonce))


def _read_exact(src: BinaryIO, size: int) -> bytes:
    parts = []
    have = 0
    while have < size:
        part = src.read(size - have)
        if not part:
            break
        parts.append(part)
        have += len(part)
    return b"".join(parts)
