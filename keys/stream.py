"""STREAM: the age payload, ChaCha20-Poly1305 over 64 KiB chunks.

Both directions hold at most about two chunks in memory whatever the file size.
The writer refuses use after close; the reader releases a chunk's plaintext
only after that chunk's tag has verified, and raises PayloadError (never
returns short data as if it were whole) when the stream is truncated, altered
or followed by trailing bytes.
"""

from __future__ import annotations

import errno
import io
from typing import BinaryIO

from cryptography.exceptions import InvalidTag

from keys.errors import PayloadError
from keys.primitives import PayloadCipher

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
_COUNTER_BYTES = 11
_MAX_COUNTER = (1 << (8 * _COUNTER_BYTES)) - 1


def write_all(dst: BinaryIO, data: bytes | memoryview) -> None:
    """Write every byte of `data`: a raw file's write() may take only part of it."""
    view = memoryview(data)
    while view:
        written = dst.write(view)
        if written is None:
            # A non-blocking raw stream that took nothing: carrying on would drop data.
            raise BlockingIOError(errno.EAGAIN, "destination would block", 0)
        if written >= len(view):
            return
        view = view[written:]


def _chunk_nonce(counter: int, *, last: bool) -> bytes:
    if counter > _MAX_COUNTER:
        raise PayloadError("stream counter overflow")
    return counter.to_bytes(_COUNTER_BYTES, "big") + (b"\x01" if last else b"\x00")


# Sealed chunks are written out in batches: fewer write calls and no per-chunk
# allocation, which is most of the gap between Python and the AEAD's own speed.
_BATCH_CHUNKS = 16
# Writers whose write() copies the data before returning, by contract; only to
# these do we hand our reusable output buffer without copying it first.
_COPYING_WRITERS = (io.FileIO, io.BufferedWriter, io.BufferedRandom, io.BytesIO)


class StreamWriter(io.RawIOBase):
    """Encrypts what is written to it into `dst`; close() seals the final chunk."""

    def __init__(self, dst: BinaryIO, *, key: bytes) -> None:
        super().__init__()
        self._dst = dst
        self._cipher = PayloadCipher(key)
        self._counter = 0
        self._buffer = bytearray()
        self._aborted = False
        # Allocated when first needed, as large as that batch (a file of a few chunks, or a
        # report document that never fills one, does not zero and fault in 1 MiB).
        self._out = bytearray()
        self._zero_copy = isinstance(dst, _COPYING_WRITERS)

    def writable(self) -> bool:
        return True

    def _emit(self, sealed: memoryview) -> None:
        write_all(self._dst, sealed if self._zero_copy else bytes(sealed))

    def _seal(self, chunk: bytes | bytearray | memoryview, *, last: bool) -> None:
        nonce = _chunk_nonce(self._counter, last=last)
        write_all(self._dst, self._cipher.seal(nonce, chunk))
        self._counter += 1

    def _seal_middle_chunks(self, view: memoryview) -> None:
        """Seal `view`, a whole number of non-final chunks, in batches."""
        needed = min(len(view) // CHUNK_SIZE, _BATCH_CHUNKS) * SEALED_CHUNK_SIZE
        if len(self._out) < needed:
            self._out = bytearray(needed)
        out = memoryview(self._out)
        filled = 0
        for start in range(0, len(view), CHUNK_SIZE):
            nonce = _chunk_nonce(self._counter, last=False)
            self._cipher.seal_into(
                nonce, view[start : start + CHUNK_SIZE], out[filled : filled + SEALED_CHUNK_SIZE]
            )
            self._counter += 1
            filled += SEALED_CHUNK_SIZE
            if filled == len(out):
                self._emit(out)
                filled = 0
        if filled:
            self._emit(out[:filled])

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed age stream")
        view = memoryview(data).cast("B")
        size = len(view)
        # A full chunk is sealed only once more data follows it, because the
        # last chunk must carry the final flag and we cannot know in advance.
        if self._buffer:
            room = CHUNK_SIZE - len(self._buffer)
            if size <= room:
                self._buffer += view
                return size
            self._buffer += view[:room]
            view = view[room:]
            self._seal(self._buffer, last=False)
            self._buffer.clear()
        # Keep at least one byte back: the chunk holding it may be the last.
        whole = (len(view) - 1) // CHUNK_SIZE * CHUNK_SIZE if view else 0
        if whole:
            self._seal_middle_chunks(view[:whole])
        self._buffer += view[whole:]
        return size

    def abort(self) -> None:
        """Close without sealing the final chunk: what was written stays invalid."""
        self._aborted = True
        self.close()

    def __del__(self) -> None:
        # IOBase.__del__ would close(), sealing a final chunk: a writer dropped on
        # an error path would turn a truncated plaintext into a valid file.
        if not self.closed:
            self.abort()

    def close(self) -> None:
        if self.closed:
            return
        try:
            if not self._aborted:
                # An empty plaintext is one sealed empty chunk with the final flag.
                self._seal(self._buffer, last=True)
        finally:
            self._buffer.clear()
            super().close()


def plaintext_size(payload_size: int) -> int:
    """The plaintext size of a STREAM payload of `payload_size` sealed bytes (nonce excluded).

    Every chunk but the last holds exactly CHUNK_SIZE bytes, and only an empty
    plaintext has an empty final chunk, so the sealed size alone fixes the
    plaintext size. Sizes no valid payload can have (no final chunk, a final
    chunk shorter than its tag, an empty final chunk after others) raise
    PayloadError.
    """
    if payload_size < TAG_SIZE:
        raise PayloadError("payload is truncated: no final chunk")
    chunks = -(-payload_size // SEALED_CHUNK_SIZE)
    last = payload_size - (chunks - 1) * SEALED_CHUNK_SIZE
    if last < TAG_SIZE:
        raise PayloadError("payload is truncated: final chunk shorter than its tag")
    if last == TAG_SIZE and chunks > 1:
        raise PayloadError("final chunk is empty")
    return payload_size - chunks * TAG_SIZE


def open_chunk(
    cipher: PayloadCipher, counter: int, sealed: memoryview, out: memoryview, *, at_end: bool
) -> None:
    """Authenticate and decrypt chunk number `counter` into `out` (its length less the tag).

    `at_end` says whether the input ends right after this chunk. Raises
    PayloadError, saying which rule broke, if the chunk fails; `out` then holds
    nothing the caller may use.
    """
    if len(sealed) < TAG_SIZE:
        raise PayloadError("payload is truncated: no final chunk")
    try:
        if at_end:
            try:
                cipher.open_into(_chunk_nonce(counter, last=True), sealed, out)
            except InvalidTag:
                if len(sealed) == SEALED_CHUNK_SIZE:
                    # Opens as a middle chunk: the file was cut at a chunk boundary.
                    cipher.open_into(_chunk_nonce(counter, last=False), sealed, out)
                    raise PayloadError("payload is truncated: no final chunk") from None
                raise
        else:
            try:
                cipher.open_into(_chunk_nonce(counter, last=False), sealed, out)
            except InvalidTag:
                # A full final chunk followed by more bytes: say what it is.
                cipher.open_into(_chunk_nonce(counter, last=True), sealed, out)
                raise PayloadError("trailing data after the final chunk") from None
    except InvalidTag:
        raise PayloadError("payload chunk failed authentication") from None
    if at_end and len(sealed) == TAG_SIZE and counter > 0:
        raise PayloadError("final chunk is empty")


class StreamReader(io.RawIOBase):
    """Decrypts the STREAM payload read from `src`, one authenticated chunk at a time."""

    def __init__(self, src: BinaryIO, *, key: bytes) -> None:
        super().__init__()
        self._src = src
        self._cipher = PayloadCipher(key)
        self._counter = 0
        self._plain = memoryview(b"")
        self._lookahead = b""
        self._done = False
        self._error: PayloadError | None = None

    def readable(self) -> bool:
        return True

    def _read_exact(self, size: int) -> bytes:
        parts = [self._lookahead]
        have = len(self._lookahead)
        self._lookahead = b""
        while have < size:
            part = self._src.read(size - have)
            if not part:
                break
            parts.append(part)
            have += len(part)
        return b"".join(parts)

    def _next_chunk(self) -> None:
        sealed = self._read_exact(SEALED_CHUNK_SIZE)
        if len(sealed) == SEALED_CHUNK_SIZE:
            self._lookahead = self._read_exact(1)
            at_end = not self._lookahead
        else:
            at_end = True
        plain = bytearray(max(len(sealed) - TAG_SIZE, 0))
        open_chunk(
            self._cipher, self._counter, memoryview(sealed), memoryview(plain), at_end=at_end
        )
        self._counter += 1
        self._done = at_end
        self._plain = memoryview(plain)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read from a closed age stream")
        if self._error is not None:
            # Once the stream has failed it stays failed: a caller that catches
            # the error and reads on must not be handed later chunks as if the
            # bad one had never been there.
            raise self._error
        target = memoryview(buffer).cast("B")
        while not self._plain and not self._done:
            try:
                self._next_chunk()
            except PayloadError as err:
                self._error = err
                raise
        count = min(len(target), len(self._plain))
        target[:count] = self._plain[:count]
        self._plain = self._plain[count:]
        return count


def read_into(src: BinaryIO, view: memoryview) -> int:
    """One read from `src` into `view`: readinto() where the stream has it, without a copy."""
    readinto = getattr(src, "readinto", None)
    if readinto is not None:
        return int(readinto(view) or 0)
    block = src.read(len(view))
    view[: len(block)] = block
    return len(block)


def _fill(src: BinaryIO, view: memoryview, have: int) -> int:
    """Read into `view` from offset `have` until it is full or `src` ends; the new fill."""
    while have < len(view):
        count = read_into(src, view[have:])
        if not count:
            break
        have += count
    return have


def decrypt_payload(src: BinaryIO, dst: BinaryIO, *, key: bytes) -> None:
    """Decrypt the whole STREAM payload in `src` into `dst`, batches of chunks at a time.

    The fast path for whole-stream decryption: sealed chunks are read in large
    batches into one reused buffer and opened into another, with no per-chunk
    allocation or copy, under the same rules as StreamReader (open_chunk()).
    Only chunks that authenticated are written; on a PayloadError `dst` holds
    those before the bad one, which the caller must treat as unauthenticated:
    the file as a whole is not.
    """
    cipher = PayloadCipher(key)
    sealed = memoryview(bytearray(SEALED_CHUNK_SIZE * _BATCH_CHUNKS))
    plain = memoryview(bytearray(CHUNK_SIZE * _BATCH_CHUNKS))
    counter = 0
    have = 0
    while True:
        have = _fill(src, sealed, have)
        at_end = have < len(sealed)
        # With a full buffer, every chunk but its last is followed by more bytes
        # and so is a middle chunk; the last waits for the next fill to learn
        # whether the input ends after it.
        count = max(1, -(-have // SEALED_CHUNK_SIZE)) if at_end else _BATCH_CHUNKS - 1
        produced = 0
        try:
            for index in range(count):
                start = index * SEALED_CHUNK_SIZE
                piece = sealed[start : min(start + SEALED_CHUNK_SIZE, have)]
                size = max(len(piece) - TAG_SIZE, 0)
                open_chunk(
                    cipher,
                    counter,
                    piece,
                    plain[produced : produced + size],
                    at_end=at_end and index == count - 1,
                )
                counter += 1
                produced += size
        finally:
            # The chunks that authenticated are released even when a later one failed.
            write_all(dst, plain[:produced])
        if at_end:
            return
        tail = (_BATCH_CHUNKS - 1) * SEALED_CHUNK_SIZE
        sealed[:SEALED_CHUNK_SIZE] = sealed[tail:]
        have = SEALED_CHUNK_SIZE
