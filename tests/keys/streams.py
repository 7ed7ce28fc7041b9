"""Writing and reading age streams in awkward pieces, as real callers do."""

from __future__ import annotations

import io
from collections.abc import Iterable

import keys


class Trickle(io.RawIOBase):
    """A readable that returns at most `step` bytes per read, like a slow pipe or socket."""

    def __init__(self, data: bytes, *, step: int) -> None:
        super().__init__()
        self._data = memoryview(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = min(self._step, len(buffer), len(self._data))
        memoryview(buffer).cast("B")[:count] = self._data[:count]
        self._data = self._data[count:]
        return count


def encrypt_in_pieces(
    plaintext: bytes,
    *,
    recipients: Iterable[keys.Recipient],
    write_size: int,
    armor: bool = False,
) -> bytes:
    """Encrypt through the streaming writer, `write_size` bytes per write()."""
    out = io.BytesIO()
    view = memoryview(plaintext)
    with keys.encrypting(out, recipients=recipients, armor=armor) as writer:
        for start in range(0, len(view), write_size):
            writer.write(view[start : start + write_size])
    return out.getvalue()


def decrypt_in_pieces(
    ciphertext: bytes, *, identities: Iterable[keys.Identity], read_size: int
) -> bytes:
    """Decrypt through the streaming reader, asking for `read_size` bytes per read()."""
    parts = []
    with keys.decrypting(io.BytesIO(ciphertext), identities=identities) as reader:
        while part := reader.read(read_size):
            parts.append(part)
    return b"".join(parts)
