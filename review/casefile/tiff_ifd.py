"""A TIFF's image file directories (IFDs), read from a seekable source in bounded reads.

A TIFF file, and the EXIF a JPEG, PNG, WebP or HEIC carries (a TIFF in a
blob), is a header giving the byte order and the offset of the first IFD;
an IFD is a count, that many entries of (tag, type, count, value or the
offset of the value), and the offset of the next IFD. BigTIFF has the same
structure with 8-byte counts and offsets and 20-byte entries.

Every offset is the file's claim, and may point anywhere: each is checked
against the size before anything is read there. An IFD's entries are read in
one read of at most MAX_ENTRIES entries, and only the values of the tags the
caller asks for are read, each cut to the caller's bound, at most
MAX_REPEATS entries of a tag, and MAX_VALUE_READS values (MAX_VALUE_BYTES in
all) in the whole file, so a file costs a bounded number of reads and bytes
however it is built. A large file behind a
decrypting source is decrypted only where those reads land.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

# A camera's IFD0 has a few dozen entries; a hostile count of 65,535 (or 2**64
# in BigTIFF) is read no further than this.
MAX_ENTRIES = 256
# RATIONAL (or SRATIONAL, FLOAT, DOUBLE) values read of one entry: a GPS
# coordinate has three.
MAX_RATIONALS = 4
# Entries of one tag read from one IFD, and integers of one entry (the
# offsets a SubIFDs entry lists): the specification allows one entry a tag.
MAX_REPEATS = 4
# Values read outside their entries from one TIFF: a photo's wanted ones are a
# dozen, a multi-page scan's a dozen a page. Past this every IFD is damaged, so
# a file's value reads, each of which may decrypt a chunk of its own, are
# bounded however many IFDs, entries and duplicates it has.
MAX_VALUE_READS = 128
# And their bytes: a photo's XMP packet is tens of KiB. Without this, 128 values
# of an XMP packet's bound (256 KiB) each would be 32 MiB of reading and parsing.
MAX_VALUE_BYTES = 2 << 20

Value = int | bytes | tuple[float, ...]

_CLASSIC, _BIG = 42, 43
# What a text may begin with before anything is said: spaces, line breaks, NULs
# (UTF-16's included).
_BLANKS = b" \t\r\n\x00"
_BYTES_TYPES = frozenset({1, 2, 7})  # BYTE, ASCII, UNDEFINED: kept as bytes
# SHORT, LONG, SLONG (a pointer some writers mistype), IFD, LONG8, IFD8.
_INTEGER_FORMATS = {3: "H", 4: "I", 9: "i", 13: "I", 16: "Q", 18: "Q"}
# RATIONAL and SRATIONAL: a numerator and a denominator; FLOAT and DOUBLE.
# exiftool reads a GPS coordinate of any of them.
_FRACTION_FORMATS = {5: "II", 10: "ii"}
_FLOAT_FORMATS = {11: "f", 12: "d"}
# Bytes per value of each type (TIFF 6.0, section 2; BigTIFF adds 16-18).
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
               13: 4, 16: 8, 17: 8, 18: 8}


@dataclass(frozen=True)
class _Layout:
    """Where a classic TIFF and a BigTIFF differ: the widths of counts, offsets and entries."""

    count: str  # struct format of an IFD's entry count
    offset: str  # of an offset, and of the value field an entry holds inline
    entry_size: int


_LAYOUTS = {_CLASSIC: _Layout("H", "I", 12), _BIG: _Layout("Q", "Q", 20)}


@dataclass(frozen=True)
class _Reading:
    """One entry's values, whether all of them were in the file, and whether it cost a read."""

    values: tuple[Value, ...]
    whole: bool
    read: bool


@dataclass
class Directory:
    """The wanted tags' values of one IFD, the next IFD's offset (0: none), and any damage."""

    # Each wanted tag's distinct values, in the IFD's order: the specification
    # allows one entry of a tag, but a decoy before the real one (an empty GPS
    # IFD, a Make of "\0") must not hide it, so up to MAX_REPEATS are read.
    values: dict[int, list[Value]] = field(default_factory=dict)
    next_offset: int = 0
    # Entries past MAX_ENTRIES, more than MAX_REPEATS of a tag, a value past the
    # file's MAX_VALUE_READS, or the IFD or a value lying outside the file: a wanted tag may be
    # among what could not be read.
    damaged: bool = False
    # The tags asked to be noted that have an entry here, whose values are not read.
    noted: set[int] = field(default_factory=set)


class TiffReader:
    """The IFDs of the TIFF whose `size` bytes start at `source`'s position 0."""

    def __init__(self, source: BinaryIO, size: int, order: str, layout: _Layout,
                 first_offset: int) -> None:
        self._source = source
        self._size = size
        self._order = order
        self._layout = layout
        self.first_offset = first_offset
        self._value_reads_left = MAX_VALUE_READS
        self._value_bytes_left = MAX_VALUE_BYTES

    def holds(self, offset: int) -> bool:
        """Whether an IFD at `offset` would begin inside the file (its count, at least)."""
        return offset + struct.calcsize(self._layout.count) <= self._size

    @property
    def header_size(self) -> int:
        """The header's bytes, where no IFD can begin: 8, or BigTIFF's 16."""
        return 16 if self._layout is _LAYOUTS[_BIG] else 8

    def directory(self, offset: int, wanted: Mapping[int, int], *,
                  as_bytes: frozenset[int] = frozenset(),
                  noted: frozenset[int] = frozenset()) -> Directory:
        """The IFD at `offset`, with the values of the tags in `wanted` (tag -> most bytes kept).

        The tags in `as_bytes` are read as bytes whatever their type (Photoshop
        writes an IPTC record as LONGs); those in `noted` are only noted when
        an entry has them, at no read (a block in a format not read here). Up
        to MAX_REPEATS entries of a tag are read; an IFD costs at most three
        reads (count, entries, next offset) plus the reads of values lying
        outside their entries, MAX_VALUE_READS in all for the file.
        """
        layout, found = self._layout, Directory()
        count_size = struct.calcsize(layout.count)
        head = self._read(offset, count_size)
        if len(head) < count_size:
            found.damaged = True
            return found
        (count,) = struct.unpack(self._order + layout.count, head)
        if count > MAX_ENTRIES:
            found.damaged = True
        entries = self._read(offset + count_size, min(count, MAX_ENTRIES) * layout.entry_size)
        present = len(entries) // layout.entry_size
        repeats: dict[int, int] = {}
        for index in range(present):
            entry = entries[index * layout.entry_size : (index + 1) * layout.entry_size]
            tag, kind = struct.unpack(self._order + "HH", entry[:4])
            if tag in noted:
                found.noted.add(tag)
            if tag not in wanted:
                continue
            # Seen at its first entry whatever its value: a run of duplicates
            # whose type gives no value costs no more than MAX_REPEATS of them.
            repeats[tag] = repeats.get(tag, 0) + 1
            if repeats[tag] > MAX_REPEATS:
                found.damaged = True
                continue
            reading = self._value(entry, kind, wanted[tag], tag in as_bytes,
                                  may_read=self._value_reads_left > 0
                                  and self._value_bytes_left > 0)
            self._value_reads_left -= reading.read
            kept = found.values.setdefault(tag, [])
            kept.extend(value for value in reading.values if value not in kept)
            found.damaged |= not reading.whole
        if present < min(count, MAX_ENTRIES):
            found.damaged = True  # the entries run past the end of the file
        elif count <= MAX_ENTRIES:
            offset_size = struct.calcsize(layout.offset)
            after = self._read(offset + count_size + len(entries), offset_size)
            if len(after) == offset_size:
                (found.next_offset,) = struct.unpack(self._order + layout.offset, after)
        return found

    def _value(self, entry: bytes, kind: int, most_bytes: int, as_bytes: bool, *,
               may_read: bool) -> _Reading:
        """An entry's values, read inline or at its offset, and whether all were in the file.

        Text cut by the file's end is kept as far as it goes; a number or a
        pointer cut short, or of a type no value is read of, gives none, and
        costs no read. Integers (pointers: SubIFDs holds several) give up to
        MAX_REPEATS values; a RATIONAL or a floating-point type, one tuple of
        up to MAX_RATIONALS.
        """
        count_format = self._layout.offset  # an entry's count is as wide as an offset
        count_size = struct.calcsize(count_format)
        (count,) = struct.unpack(self._order + count_format, entry[4 : 4 + count_size])
        field_bytes = entry[4 + count_size :]
        type_size = _TYPE_SIZES.get(kind, 1)
        as_bytes = as_bytes or kind in _BYTES_TYPES
        integer = _INTEGER_FORMATS.get(kind)
        if as_bytes:
            wanted_bytes = min(count * type_size, most_bytes)
        elif kind in _FRACTION_FORMATS or kind in _FLOAT_FORMATS:
            wanted_bytes = min(count, MAX_RATIONALS) * type_size
        elif integer is not None:
            wanted_bytes = min(count, MAX_REPEATS) * type_size
        else:
            return _Reading((), whole=False, read=False)
        read = count * type_size > len(field_bytes)
        if not read:
            raw = field_bytes[:wanted_bytes]
        elif may_read:
            (where,) = struct.unpack(self._order + self._layout.offset, field_bytes)
            # Cut to what the file's byte bound leaves: a value cut so says so.
            raw = self._read(where, min(wanted_bytes, self._value_bytes_left))
            self._value_bytes_left -= len(raw)
        else:
            return _Reading((), whole=False, read=False)
        whole = len(raw) == wanted_bytes
        if as_bytes:
            # A pointer given as bytes, of which none are kept, and a text cut at
            # its bound before anything but blanks: what it holds was not read.
            if count and (not wanted_bytes or (
                    count * type_size > wanted_bytes and not raw.strip(_BLANKS))):
                whole = False
            return _Reading((raw,) if raw else (), whole=whole, read=read)
        if not whole:
            return _Reading((), whole=False, read=read)
        if kind in _FRACTION_FORMATS:
            pairs = struct.iter_unpack(self._order + _FRACTION_FORMATS[kind], raw)
            fractions = tuple(numerator / denominator if denominator else 0.0
                              for numerator, denominator in pairs)
            return _Reading((fractions,), whole=True, read=read)
        if kind in _FLOAT_FORMATS:
            floats = struct.iter_unpack(self._order + _FLOAT_FORMATS[kind], raw)
            return _Reading((tuple(float(number) for (number,) in floats),), whole=True,
                            read=read)
        assert integer is not None
        numbers = struct.iter_unpack(self._order + integer, raw)
        integers = tuple(int(number) for (number,) in numbers)
        return _Reading(integers, whole=count <= MAX_REPEATS, read=read)

    def _read(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset`, none of them outside the file."""
        if not 0 <= offset < self._size or length <= 0:
            return b""
        self._source.seek(offset)
        return self._source.read(min(length, self._size - offset))


def open_tiff(source: BinaryIO, size: int, *, any_version: bool = False) -> TiffReader | None:
    """A reader of the TIFF or BigTIFF in `source`, or None if its header is neither.

    With `any_version` (an EXIF blob, whose byte order alone says it is one),
    a version word other than BigTIFF's is read as a classic TIFF's, as
    exiftool does (with a warning) and as writers that botch the word expect.
    """
    source.seek(0)
    header = source.read(min(size, 16))
    order = {b"II": "<", b"MM": ">"}.get(header[:2])
    if order is None or len(header) < 8:
        return None
    (version,) = struct.unpack(order + "H", header[2:4])
    if version == _CLASSIC or (any_version and version != _BIG):
        (first,) = struct.unpack(order + "I", header[4:8])
        return TiffReader(source, size, order, _LAYOUTS[_CLASSIC], first)
    # BigTIFF: the width of its offsets (always 8), a reserved 0, the first offset.
    if version == _BIG and len(header) == 16 and header[4:8] == struct.pack(order + "HH", 8, 0):
        (first,) = struct.unpack(order + "Q", header[8:16])
        return TiffReader(source, size, order, _LAYOUTS[_BIG], first)
    return None
