"""A strict, small reader of POSIX ustar archives: regular files only, read in order.

Intake reads reply bundles that came on a USB stick from elsewhere. Python's
tarfile follows pax and GNU extensions, links and sparse maps, and reads ahead
to find members; this reader knows one header layout and refuses everything
else, so a hostile archive can only be refused, never interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from intake.errors import ReplyBundleRefused

BLOCK = 512
_MAGIC = b"ustar\x00"
_VERSION = b"00"
# Typeflags of a regular file: "0", and NUL from pre-POSIX writers.
_REGULAR = (b"0", b"\x00")


@dataclass(frozen=True)
class Member:
    """One regular file of the archive: its name and size (its data follows in the stream)."""

    name: str
    size: int


def _octal(field: bytes, what: str) -> int:
    text = field.rstrip(b"\x00 ").lstrip(b" ")
    if not text or any(c not in b"01234567" for c in text):
        raise ReplyBundleRefused(f"tar header field {what} is not an octal number")
    return int(text, 8)


def _text(field: bytes) -> bytes:
    end = field.find(b"\x00")
    return field if end < 0 else field[:end]


def _checked_name(raw: bytes) -> str:
    try:
        name = raw.decode("ascii")
    except UnicodeDecodeError:
        raise ReplyBundleRefused("a member name is not ASCII") from None
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or any(part in ("", ".", "..") for part in parts)
        or not name.isprintable()
    ):
        raise ReplyBundleRefused(f"unsafe member name {name!r}")
    return name


class UstarReader:
    """Reads members in archive order; each member's data must be read before the next."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._seen: set[str] = set()
        self._pending = 0  # bytes of the current member (with padding) not yet read

    def _read_exactly(self, size: int) -> bytes:
        data = self._stream.read(size)
        if len(data) != size:
            raise ReplyBundleRefused("the archive ends in the middle of a member")
        return data

    def next_member(self) -> Member | None:
        """Return the next member's header, or None at the end of the archive."""
        if self._pending:
            raise RuntimeError("read the current member before the next one")
        header = self._read_exactly(BLOCK)
        if header == bytes(BLOCK):
            # End of archive: a second zero block, then only zero padding.
            if self._read_exactly(BLOCK) != bytes(BLOCK):
                raise ReplyBundleRefused("data after the end-of-archive marker")
            while rest := self._stream.read(BLOCK * 16):
                if rest.strip(b"\x00"):
                    raise ReplyBundleRefused("data after the end-of-archive marker")
            return None
        stored_sum = _octal(header[148:156], "checksum")
        if stored_sum != sum(header[:148]) + 8 * 32 + sum(header[156:]):
            raise ReplyBundleRefused("a tar header checksum does not match")
        if header[257:263] != _MAGIC or header[263:265] != _VERSION:
            # GNU ("ustar  ") and older formats carry extensions this reader refuses.
            raise ReplyBundleRefused("the archive is not POSIX ustar")
        typeflag = header[156:157]
        if typeflag not in _REGULAR:
            # Links, devices, FIFOs, directories, pax ("x", "g") and GNU ("L", "K", "S").
            raise ReplyBundleRefused(f"member of type {typeflag!r} refused: only regular files")
        prefix = _text(header[345:500])
        last = _text(header[0:100])
        name = _checked_name(prefix + b"/" + last if prefix else last)
        if name in self._seen:
            raise ReplyBundleRefused(f"member {name} appears twice")
        self._seen.add(name)
        size = _octal(header[124:136], "size")
        self._pending = size
        return Member(name=name, size=size)

    def read_data(self, member: Member) -> bytes:
        """Return the whole data of `member`, the one next_member() just returned."""
        if self._pending != member.size:
            raise RuntimeError("read_data() is for the member just returned")
        data = self._read_exactly(member.size)
        padding = -member.size % BLOCK
        if padding and self._read_exactly(padding).strip(b"\x00"):
            raise ReplyBundleRefused(f"member {member.name} has data in its padding")
        self._pending = 0
        return data
