"""Classic little-endian TIFFs built entry by entry, for layouts no writer produces.

An IFD is a list of entries (tag, type, count, payload); a payload of bytes is
held inline when it fits in the entry's 4 bytes and placed after the IFDs
otherwise, and a payload of `Ifd` references is the offsets of those IFDs
(a pointer, or SubIFDs' list), so a test names the layout, not its offsets.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import pairwise

# The TIFF 6.0 types the tests write (section 2), and the IFD type (TIFF Tech Note 1).
ASCII, LONG, RATIONAL, UNDEFINED = 2, 4, 5, 7
SLONG, SRATIONAL, DOUBLE, IFD = 9, 10, 12, 13


@dataclass(frozen=True)
class Ifd:
    """The offset of the `index`th IFD given to tiff()."""

    index: int


Entry = tuple[int, int, int, bytes | tuple[Ifd, ...]]


def text(tag: int, value: str) -> Entry:
    raw = value.encode() + b"\x00"
    return (tag, ASCII, len(raw), raw)


def pointer(tag: int, *targets: int, kind: int = LONG) -> Entry:
    return (tag, kind, len(targets), tuple(Ifd(index) for index in targets))


def rationals(tag: int, *values: tuple[int, int]) -> Entry:
    return (tag, RATIONAL, len(values),
            b"".join(struct.pack("<II", *value) for value in values))


def gps(latitude: tuple[tuple[int, int], ...] = ((48, 1), (51, 1), (2988, 100)),
        longitude: tuple[tuple[int, int], ...] | None = ((2, 1), (17, 1), (4020, 100))
        ) -> list[Entry]:
    """A GPS IFD's entries: N and E, and the Eiffel Tower's coordinates, or those given."""
    entries = [text(1, "N"), rationals(2, *latitude)]
    if longitude is not None:
        entries += [text(3, "E"), rationals(4, *longitude)]
    return entries


def tiff(*ifds: list[Entry], chain: tuple[int, ...] = (0,), header: bytes = b"II*\x00") -> bytes:
    """The IFDs laid out one after another from offset 8, then the values that do not fit
    inline; the header points to the first of `chain`, and each of it to the next."""
    offsets, position = [], 8
    for entries in ifds:
        offsets.append(position)
        position += 2 + 12 * len(entries) + 4
    following = dict(pairwise(chain))
    data, values = bytearray(header + struct.pack("<I", offsets[chain[0]])), bytearray()
    for index, entries in enumerate(ifds):
        data += struct.pack("<H", len(entries))
        for tag, kind, count, payload in entries:
            raw = (payload if isinstance(payload, bytes)
                   else b"".join(struct.pack("<I", offsets[ifd.index]) for ifd in payload))
            if len(raw) <= 4:
                field = raw.ljust(4, b"\x00")
            else:
                field = struct.pack("<I", position + len(values))
                values += raw + b"\x00" * (len(raw) & 1)
            data += struct.pack("<HHI", tag, kind, count) + field
        next_index = following.get(index)
        data += struct.pack("<I", 0 if next_index is None else offsets[next_index])
    return bytes(data + values)
