"""A strict reader of POSIX ustar archives: regular files only, every header one bounded block.

Python's tarfile reads every dialect of tar (pax and GNU extended headers,
sparse maps, long names, base-256 numbers), and some of that parsing has been
quadratic in the input (CVE-2024-6232: a 120 KB pax header ties it up for
minutes). It would do all of that to an archive nobody has verified yet, since
a bundle's signature is itself a member. A pickup bundle is plain ustar
(docs/pickup-bundle.md), so this reader parses exactly that and refuses
anything else at the header that announces it: each header is one 512-byte
block of fixed-width fields, parsed in constant time, and each member's data
is read through a stream that stops at its declared size. Members are read
lazily and in order, so nothing after the signature is parsed before the
caller has checked it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from review.errors import BundleError

BLOCK_SIZE = 512
# POSIX ustar: "ustar" NUL, then version "00". GNU tar's "ustar  " NUL is another dialect.
_MAGIC = b"ustar\x00"
_VERSION = b"00"
_REGULAR_TYPES = (b"0", b"\x00")
# The other typeflags a tar may hold, named only to word the refusal: extended
# headers change how the following header is read, and the rest are not files.
_REFUSED_TYPES = {
    b"x": "pax extended header",
    b"g": "pax global header",
    b"X": "Solaris extended header",
    b"L": "GNU long name header",
    b"K": "GNU long link header",
    b"S": "sparse file",
    b"1": "hard link",
    b"2": "symbolic link",
    b"3": "character device",
    b"4": "block device",
    b"5": "directory",
    b"6": "FIFO",
    b"7": "contiguous file",
}
_OCTAL_DIGITS = b"01234567"


# The fields of a header block this reader looks at (the others it ignores).
_NAME = slice(0, 100)
_SIZE = slice(124, 136)
_CHECKSUM = slice(148, 156)
_TYPEFLAG = slice(156, 157)
_MAGIC_FIELD = slice(257, 263)
_VERSION_FIELD = slice(263, 265)
_PREFIX = slice(345, 500)


@dataclass(frozen=True)
class MemberHeader:
    """What the reader takes from a regular file's header: its name and data size."""

    name: str
    size: int


def parse_header(block: bytes) -> MemberHeader | None:
    """The regular file `block` announces, or None for a zero (end-of-archive) block."""
    if len(block) != BLOCK_SIZE:
        raise ValueError("a ustar header is exactly one block")
    if block == bytes(BLOCK_SIZE):
        return None
    _check_checksum(block)
    name = _name(block)
    typeflag = block[_TYPEFLAG]
    if typeflag not in _REGULAR_TYPES:
        kind = _REFUSED_TYPES.get(typeflag, f"member of unknown type {typeflag!r}")
        raise BundleError(f"the bundle holds a {kind} ({name!r}); only regular files are allowed")
    if block[_MAGIC_FIELD] != _MAGIC or block[_VERSION_FIELD] != _VERSION:
        raise BundleError(f"member {name!r} does not have a POSIX ustar header")
    return MemberHeader(name=name, size=_number(block[_SIZE], f"the size of {name!r}"))


class UstarReader:
    """The members of a ustar archive, in order; each one's data readable up to its size."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._current: MemberHeader | None = None
        self._unread = 0
        self._padding = 0

    def next(self) -> MemberHeader | None:
        """The next member's header (skipping what is left of this one), or None at the end."""
        self._skip_rest()
        header = parse_header(self._block())
        if header is None:
            # The end is two zero blocks; a lone one is a cut or doctored archive.
            if parse_header(self._block()) is not None:
                raise BundleError("the archive holds a member after its end-of-archive block")
            self._current = None
            return None
        self._current = header
        self._unread = header.size
        self._padding = -header.size % BLOCK_SIZE
        return header

    def read(self, size: int) -> bytes:
        """Up to `size` more bytes of the current member's data; b"" once all of it is read."""
        if self._current is None:
            raise ValueError("no current member")
        wanted = min(size, self._unread)
        data = self._stream.read(wanted)
        if len(data) != wanted:
            raise BundleError(f"member {self._current.name!r} is truncated")
        self._unread -= wanted
        return data

    def _skip_rest(self) -> None:
        # A seek past the end is allowed; the next header read then finds it short.
        if self._unread or self._padding:
            self._stream.seek(self._unread + self._padding, io.SEEK_CUR)
        self._unread = self._padding = 0

    def _block(self) -> bytes:
        block = self._stream.read(BLOCK_SIZE)
        if len(block) != BLOCK_SIZE:
            raise BundleError("the archive is truncated: it ends before its end-of-archive blocks")
        return block


def _check_checksum(block: bytes) -> None:
    """POSIX: the unsigned sum of the header's bytes, the checksum field counted as spaces."""
    blanks = b" " * (_CHECKSUM.stop - _CHECKSUM.start)
    expected = sum(block[:_CHECKSUM.start]) + sum(blanks) + sum(block[_CHECKSUM.stop:])
    try:
        recorded = _number(block[_CHECKSUM], "a header checksum")
    except BundleError:
        recorded = -1
    if recorded != expected:
        raise BundleError("not a plain tar archive: a header's checksum does not match")


def _name(block: bytes) -> str:
    """The member's name: the prefix field, a slash and the name field, when there is a prefix."""
    name = _text(block[_NAME])
    prefix = _text(block[_PREFIX])
    return f"{prefix}/{name}" if prefix else name


def _text(field: bytes) -> str:
    """A NUL-padded text field; a NUL inside the text would hide what follows it."""
    text = field.rstrip(b"\x00")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise BundleError(f"a member name is not UTF-8: {text!r}") from None
    if "\x00" in decoded:
        raise BundleError(f"member name {decoded!r} holds a NUL")
    return decoded


def _number(field: bytes, what: str) -> int:
    """An octal number, space or NUL terminated; GNU base-256 numbers are refused."""
    digits = field.rstrip(b" \x00").lstrip(b" ")
    if not digits or digits.strip(_OCTAL_DIGITS):
        raise BundleError(f"{what} is not an octal number: {field!r}")
    return int(digits, 8)
