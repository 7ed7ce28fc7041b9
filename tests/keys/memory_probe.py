"""Stream a large generated file through encryption and decryption; print peak memory growth.

Run as `python -m tests.keys.memory_probe MODE MIB` in a fresh interpreter, so
that the peak resident set size measures this work alone. MODE `stream` uses
the streaming API end to end through a pipe; `whole` holds the file in memory,
as a control that shows the measurement does see large buffers.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import threading
from pathlib import Path

import keys

MIB = 1 << 20


class Generated(io.RawIOBase):
    """A readable of `size` deterministic bytes that never holds more than one MiB."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._left = size
        self._block = memoryview(hashlib.shake_256(b"haven").digest(MIB))
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self._left, MIB - self._offset)
        memoryview(buffer).cast("B")[:count] = self._block[self._offset : self._offset + count]
        self._offset = (self._offset + count) % MIB
        self._left -= count
        return count


class HashSink(io.RawIOBase):
    """A writable that keeps only a SHA-256 of what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.hash = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.hash.update(data)
        return len(data)


def status_bytes(field: str) -> int:
    """A memory figure of this process from /proc (VmRSS, VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def reset_peak() -> None:
    # getrusage's ru_maxrss survives fork and exec (it would report the test
    # runner's peak); the per-process VmHWM can be reset to the current size.
    Path("/proc/self/clear_refs").write_text("5")


def expected_digest(size: int) -> str:
    sink = HashSink()
    source = Generated(size)
    while block := source.read(MIB):
        sink.write(block)
    return sink.hash.hexdigest()


def stream(size: int, identity: keys.X25519Identity) -> str:
    read_end, write_end = os.pipe()

    def encrypt() -> None:
        with os.fdopen(write_end, "wb") as dst:
            keys.encrypt_stream(Generated(size), dst, recipients=[identity.recipient()])

    writer = threading.Thread(target=encrypt)
    writer.start()
    sink = HashSink()
    with os.fdopen(read_end, "rb") as src:
        keys.decrypt_stream(src, sink, identities=[identity])
    writer.join()
    return sink.hash.hexdigest()


def whole(size: int, identity: keys.X25519Identity) -> str:
    plaintext = Generated(size).read()
    ciphertext = keys.encrypt(plaintext, recipients=[identity.recipient()])
    return hashlib.sha256(keys.decrypt(ciphertext, identities=[identity])).hexdigest()


def main() -> None:
    mode, size = sys.argv[1], int(sys.argv[2]) * MIB
    identity = keys.X25519Identity.generate()
    digest = expected_digest(size)
    stream(MIB, identity)  # warm up: imports, first allocations
    reset_peak()
    before = status_bytes("VmRSS")
    got = {"stream": stream, "whole": whole}[mode](size, identity)
    peak = status_bytes("VmHWM")
    print(json.dumps({"growth": peak - before, "peak": peak, "intact": got == digest}))


if __name__ == "__main__":
    main()
