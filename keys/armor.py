"""Strict RFC 7468 ASCII armor for age files (`age -a`).

The reader accepts exactly what a careful encoder writes, so that one file has
one armored form: no empty or long lines, no headers, canonical padded base64,
and nothing but whitespace around the block.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import BinaryIO

from keys.errors import ArmorError

BEGIN_LINE = b"-----BEGIN AGE ENCRYPTED FILE-----"
END_LINE = b"-----END AGE ENCRYPTED FILE-----"
COLUMNS = 64
_BYTES_PER_LINE = COLUMNS // 4 * 3
# Whitespace allowed around the block is bounded so a hostile input cannot make
# the reader scan forever.
_MAX_SURROUNDING_WHITESPACE = 1024
_WHITESPACE = b" \t\r\n"


class ArmorWriter(io.RawIOBase):
    """Writes base64 lines of 64 columns between the BEGIN and END lines."""

    def __init__(self, dst: BinaryIO) -> None:
        super().__init__()
        self._dst = dst
        self._pending = bytearray()
        self._started = False

    def writable(self) -> bool:
        return True

    def _emit(self, data: bytes | bytearray) -> None:
        encoded = base64.b64encode(data)
        self._dst.write(
            b"".join(encoded[i : i + COLUMNS] + b"\n" for i in range(0, len(encoded), COLUMNS))
        )

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed armor writer")
        if not self._started:
            self._dst.write(BEGIN_LINE + b"\n")
            self._started = True
        self._pending += data
        whole = len(self._pending) // _BYTES_PER_LINE * _BYTES_PER_LINE
        if whole:
            self._emit(self._pending[:whole])
            del self._pending[:whole]
        return len(data)

    def abort(self) -> None:
        """Close without the END line: the armored file stays incomplete."""
        self._pending.clear()
        super().close()

    def __del__(self) -> None:
        # Only an explicit close() completes the armor (see StreamWriter.__del__).
        if not self.closed:
            self.abort()

    def close(self) -> None:
        if self.closed:
            return
        if not self._started:
            self._dst.write(BEGIN_LINE + b"\n")
        if self._pending:
            self._emit(self._pending)
        self._dst.write(END_LINE + b"\n")
        super().close()


#: How many leading bytes looks_armored() needs to decide.
DETECTION_PREFIX = _MAX_SURROUNDING_WHITESPACE + len(BEGIN_LINE)


def looks_armored(prefix: bytes) -> bool:
    """Whether the first bytes of an input (up to DETECTION_PREFIX) announce armor."""
    stripped = prefix.lstrip(_WHITESPACE)
    return stripped.startswith(BEGIN_LINE[: len(stripped)]) and len(stripped) > 0


class ArmorReader(io.RawIOBase):
    """Decodes an armored age file from `src`, validating every line."""

    def __init__(self, src: BinaryIO) -> None:
        super().__init__()
        self._src = src
        self._decoded = memoryview(b"")
        self._begun = False
        self._done = False

    def readable(self) -> bool:
        return True

    def _line(self) -> bytes | None:
        raw = self._src.readline(COLUMNS + 3)
        if not raw:
            return None
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        elif raw != END_LINE:
            # Only the END line may end the input without a line ending (the
            # age testkit's armor_no_eol); any other such line is cut or too long.
            raise ArmorError("armor line too long or not terminated")
        return raw[:-1] if raw.endswith(b"\r") else raw

    def _begin(self) -> None:
        skipped = 0
        while True:
            byte = self._src.read(1)
            if not byte:
                raise ArmorError("no armor BEGIN line")
            if byte not in _WHITESPACE:
                break
            skipped += 1
            if skipped > _MAX_SURROUNDING_WHITESPACE:
                raise ArmorError("too much whitespace before the armor")
        line = self._line()
        if line is None or byte + line != BEGIN_LINE:
            raise ArmorError("invalid armor BEGIN line")
        self._begun = True

    def _finish(self) -> None:
        trailing = self._src.read(_MAX_SURROUNDING_WHITESPACE + 1)
        if len(trailing) > _MAX_SURROUNDING_WHITESPACE or trailing.strip(_WHITESPACE):
            raise ArmorError("trailing data after the armor END line")
        self._done = True

    def _next_line(self) -> None:
        line = self._line()
        if line is None:
            raise ArmorError("armor is truncated: no END line")
        if line == END_LINE:
            # The END line must follow a short final line or a full one; either
            # way the data is complete here.
            self._finish()
            return
        if not line or len(line) > COLUMNS:
            raise ArmorError("armor line is empty or longer than 64 columns")
        if b":" in line:
            raise ArmorError("headers are not allowed in age armor")
        try:
            data = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise ArmorError("invalid base64 in armor") from None
        if base64.b64encode(data) != line:
            raise ArmorError("non-canonical base64 in armor")
        if len(line) < COLUMNS or line.endswith(b"="):
            end = self._line()
            if end != END_LINE:
                raise ArmorError("a short armor line must be followed by the END line")
            self._finish()
        self._decoded = memoryview(data)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        target = memoryview(buffer).cast("B")
        if not self._begun:
            self._begin()
        while not self._decoded and not self._done:
            self._next_line()
        count = min(len(target), len(self._decoded))
        target[:count] = self._decoded[:count]
        self._decoded = self._decoded[count:]
        return count
