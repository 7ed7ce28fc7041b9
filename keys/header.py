"""The age v1 header: version line, recipient stanzas, and the MAC that binds them."""

from __future__ import annotations

import re
from typing import BinaryIO, NamedTuple

from keys.errors import HeaderError
from keys.primitives import b64decode, b64encode

VERSION_LINE = b"age-encryption.org/v1"
STANZA_PREFIX = b"-> "
MAC_PREFIX = b"--- "
BODY_COLUMNS = 64
MAC_B64_LENGTH = 43
# A header is a few kilobytes even with many post-quantum stanzas; the cap keeps
# a hostile file from making the parser buffer gigabytes looking for a newline.
MAX_HEADER_BYTES = 1 << 20


# Stanza and Header are immutable values. They are NamedTuples rather than
# frozen dataclasses because importing dataclasses (and the inspect module it
# loads) would be a sixth of what `haven keys encrypt` may spend starting up.
class Stanza(NamedTuple):
    """One recipient stanza: a type, its arguments, and a binary body."""

    type: str
    args: tuple[str, ...]
    body: bytes

    def encode(self) -> bytes:
        line = " ".join((self.type, *self.args)).encode("ascii")
        encoded = b64encode(self.body).encode("ascii")
        lines = [encoded[i : i + BODY_COLUMNS] for i in range(0, len(encoded), BODY_COLUMNS)]
        # The body ends with the first line shorter than 64 columns, so a body
        # that fills whole lines needs an empty final line.
        if not lines or len(lines[-1]) == BODY_COLUMNS:
            lines.append(b"")
        return STANZA_PREFIX + line + b"\n" + b"".join(chunk + b"\n" for chunk in lines)


class Header(NamedTuple):
    """A parsed header; `mac_input` is the exact bytes the MAC covers."""

    stanzas: tuple[Stanza, ...]
    mac: bytes
    mac_input: bytes

    def __repr__(self) -> str:
        # mac_input repeats every stanza: left out, as the dataclass did.
        return f"Header(stanzas={self.stanzas!r}, mac={self.mac!r})"


def encode_header_without_mac(stanzas: list[Stanza]) -> bytes:
    """Everything the MAC covers: version line, stanzas, and '---'."""
    return VERSION_LINE + b"\n" + b"".join(s.encode() for s in stanzas) + b"---"


def encode_header(stanzas: list[Stanza], mac: bytes) -> bytes:
    return encode_header_without_mac(stanzas) + b" " + b64encode(mac).encode("ascii") + b"\n"


# One or more visible ASCII characters (age's VCHAR). A regular expression and
# not a per-character loop: a hybrid stanza's arguments run to 1,500
# characters, and every attachment a case view inspects parses its header.
_VCHAR_ARG = re.compile(r"[\x21-\x7e]+")


def _is_vchar_arg(arg: str) -> bool:
    return _VCHAR_ARG.fullmatch(arg) is not None


class _LineReader:
    """Reads LF-terminated lines from a binary stream, within the header size cap."""

    def __init__(self, src: BinaryIO) -> None:
        self._src = src
        self.consumed = bytearray()

    def line(self) -> bytes:
        raw = self._src.readline(MAX_HEADER_BYTES - len(self.consumed) + 1)
        self.consumed += raw
        if len(self.consumed) > MAX_HEADER_BYTES:
            raise HeaderError("header too large")
        if not raw.endswith(b"\n"):
            raise HeaderError("header is truncated")
        line = raw[:-1]
        if b"\r" in line:
            raise HeaderError("carriage return in the header")
        return line


def _parse_stanza_line(line: bytes) -> tuple[str, tuple[str, ...]]:
    try:
        text = line[len(STANZA_PREFIX) :].decode("ascii")
    except UnicodeDecodeError:
        raise HeaderError("non-ASCII stanza line") from None
    parts = text.split(" ")
    if not all(_is_vchar_arg(p) for p in parts):
        raise HeaderError("malformed stanza arguments")
    return parts[0], tuple(parts[1:])


def parse_header(src: BinaryIO) -> Header:
    """Parse a header from `src`, leaving the stream positioned at the payload nonce."""
    reader = _LineReader(src)
    if reader.line() != VERSION_LINE:
        raise HeaderError("unknown age version or not an age file")
    stanzas: list[Stanza] = []
    line = reader.line()
    while line.startswith(STANZA_PREFIX):
        stanza_type, args = _parse_stanza_line(line)
        body = bytearray()
        while True:
            body_line = reader.line()
            if len(body_line) > BODY_COLUMNS:
                raise HeaderError("stanza body line longer than 64 columns")
            try:
                text = body_line.decode("ascii")
            except UnicodeDecodeError:
                raise HeaderError("non-ASCII stanza body") from None
            body += b64decode(text)
            if len(body_line) < BODY_COLUMNS:
                break
        stanzas.append(Stanza(stanza_type, args, bytes(body)))
        line = reader.line()
    if not line.startswith(MAC_PREFIX):
        raise HeaderError("malformed header: expected a stanza or the MAC line")
    if not stanzas:
        raise HeaderError("header has no recipient stanzas")
    mac_text = line[len(MAC_PREFIX) :]
    if len(mac_text) != MAC_B64_LENGTH:
        raise HeaderError("malformed header MAC")
    mac = b64decode(mac_text.decode("ascii", errors="replace"))
    # The MAC covers the header up to and including '---', not the space after.
    mac_input = bytes(reader.consumed[: len(reader.consumed) - len(line) - 1 + 3])
    return Header(tuple(stanzas), mac, mac_input)
