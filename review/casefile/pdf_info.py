"""A PDF's Info dictionaries and XMP found by random access: from startxref through the
cross-references.

A PDF names its document information (author, software, dates) in the Info
entry of its trailer; the trailer and the cross-reference section that gives
each object's offset sit at the file's end (ISO 32000-1, 7.5.4-7.5.8). So the
Info dictionary of a 25 MiB scan is reached by reading its last few KiB, the
section startxref points to, and the one object: a few decrypted chunks
instead of the whole file. Every revision's trailer is followed (Prev,
XRefStm), and each revision's Info read: an incremental update that removed an
author leaves the old dictionary in the file, where any reader can find it.
The same way each revision's catalog (the trailer's Root) is read for its
Metadata entry, the XMP stream that says much of what Info says and more
(ISO 32000-1, 14.3.2), read up to the XMP reader's bound, uncompressed or Flate.

Cross-reference streams (PDF 1.5) are read when Flate-compressed (or not)
with no predictor or the PNG predictor Up (or None) on every row, which is
what writers use; an Info dictionary inside an object stream is read too,
which a scan of the file's bytes never finds. Anything else (no startxref, an
offset that does not land on the object it names, another filter) raises
NoCrossReference, and the caller scans the file as before. Offsets and
lengths come from the file: every read and every stream is bounded, no offset
is trusted to lie inside the file, and at most MAX_SECTIONS revisions are
followed, each offset once.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import BinaryIO

from review.casefile.xmp import MAX_XMP_BYTES

# startxref is in the last 1,024 bytes (7.5.5); some writers append padding.
TAIL_BYTES = 16 * 1024
MAX_SECTIONS = 32
MAX_SUBSECTIONS = 4096
# A dictionary (trailer, Info, stream) is read at most this far from its start.
MAX_OBJECT_BYTES = 64 * 1024
# ...and first this far, which holds any real one: a read is a decrypted chunk or two.
FIRST_READ_BYTES = 4 * 1024
# A cross-reference stream of 200,000 objects is about 1 MiB decoded.
MAX_STREAM_BYTES = 4 * 1024 * 1024
# A cross-reference stream's row is at most 27 bytes (/W takes one digit each);
# predictor columns beyond this are no cross-reference table, and each costs a pass.
MAX_COLUMNS = 64
ENTRY_SIZE = 20  # a classic cross-reference entry, "nnnnnnnnnn ggggg n\r\n"

_STARTXREF = re.compile(rb"startxref\s{1,64}(\d{1,20})")
_OBJECT = re.compile(rb"\s{0,64}(\d{1,10})\s{1,64}(\d{1,5})\s{1,64}obj\s{0,64}")
_SUBSECTION = re.compile(rb"\s{0,64}(\d{1,10})[ ]{1,8}(\d{1,10})[ \t]{0,8}(?:\r\n|\r|\n)")
_TRAILER = re.compile(rb"\s{0,64}trailer\s{0,64}")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_REFERENCE = rb"\s{1,64}(\d{1,10})\s{1,64}(\d{1,5})\s{1,64}R"
_INFO = re.compile(rb"/Info" + _REFERENCE)
_ROOT = re.compile(rb"/Root" + _REFERENCE)
_METADATA = re.compile(rb"/Metadata" + _REFERENCE)
_PREV = re.compile(rb"/Prev\s{1,64}(\d{1,20})")
_XREF_STREAM = re.compile(rb"/XRefStm\s{1,64}(\d{1,20})")
_LENGTH = re.compile(rb"/Length\s{1,64}(\d{1,10})(?!\d)(?!\s{1,64}\d{1,5}\s{1,64}R)")
_STREAM_START = re.compile(rb"\s{0,64}stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s{0,64}(\[?)\s{0,64}/(\w{1,64})\s{0,64}(\]?)")
_PREDICTOR = re.compile(rb"/Predictor\s{1,64}(\d{1,3})")
_COLUMNS = re.compile(rb"/Columns\s{1,64}(\d{1,6})")
_WIDTHS = re.compile(rb"/W\s{0,64}\[\s{0,64}(\d)\s{1,64}(\d)\s{1,64}(\d)\s{0,64}\]")
# Possessive: a run of digits must not be split every possible way before failing.
_INDEX = re.compile(rb"/Index\s{0,64}+\[((?:\s{0,64}+\d{1,10}+){0,2048}+)\s{0,64}+\]")
_SIZE = re.compile(rb"/Size\s{1,64}(\d{1,10})")
_FIRST = re.compile(rb"/First\s{1,64}(\d{1,10})")
_COUNT = re.compile(rb"/N\s{1,64}(\d{1,10})")


class NoCrossReference(ValueError):
    """The file's end does not lead, by cross-references this reader follows, to its objects."""


class _Unclosed(NoCrossReference):
    """The bytes read end before the dictionary does (a longer read may hold it)."""


@dataclass(frozen=True)
class _StreamRows:
    """A cross-reference stream's decoded table, read a row at a time when one is asked for.

    Never indexed whole: a hostile 4 MiB table of one-byte rows would be
    four million entries, and a lookup needs one.
    """

    data: bytes
    widths: tuple[int, int, int]
    # (first object number, count) per subsection, from /Index
    ranges: tuple[tuple[int, int], ...]

    def entry(self, number: int) -> tuple[int, int, int] | None:
        """Object `number`'s (type, field 2, field 3), or None if the table does not list it."""
        row = 0
        for first, count in self.ranges:
            if first <= number < first + count:
                w1, w2, w3 = self.widths
                start = (row + number - first) * (w1 + w2 + w3)
                if start + w1 + w2 + w3 > len(self.data):
                    raise NoCrossReference("a cross-reference stream shorter than its /Index")
                return (_field(self.data, start, w1, default=1),
                        _field(self.data, start + w1, w2, default=0),
                        _field(self.data, start + w1 + w2, w3, default=0))
            row += count
        return None


@dataclass
class _Section:
    """One revision's cross-references: where its objects are, and its trailer dictionary."""

    trailer: bytes
    # classic: (first object number, count, offset of its first entry)
    subsections: list[tuple[int, int, int]] = field(default_factory=list)
    rows: _StreamRows | None = None


@dataclass(frozen=True)
class _Location:
    """Where an object is: at an offset, or at an index within an object stream."""

    offset: int
    in_stream: int | None = None
    index: int = 0


@dataclass(frozen=True)
class DocumentMetadata:
    """A PDF's Info dictionaries and its catalogs' XMP packets, each once, in file order."""

    info: list[bytes]
    xmp: list[bytes]
    # A catalog names a Metadata stream this reader could not read (filtered
    # some other way, or its object not where the cross-references say).
    xmp_unreadable: bool = False


def document_metadata(source: BinaryIO, size: int, *, check: Callable[[], None]
                      ) -> DocumentMetadata:
    """Each revision's Info dictionary (`<<` to `>>`) and its catalog's XMP metadata stream.

    The XMP packet is the Metadata stream of the catalog the trailer's Root
    names (ISO 32000-1, 14.3.2), decoded and cut after MAX_XMP_BYTES (the
    caller's XMP reader sees the cut). `check` is called between units of work
    (the caller's time budget).
    """
    tail = _read_at(source, max(size - TAIL_BYTES, 0), TAIL_BYTES)
    last = tail.rfind(b"startxref")
    found = _STARTXREF.match(tail, last) if last != -1 else None
    if found is None:
        raise NoCrossReference("no startxref at the end of the file")
    sections = _sections(source, size, int(found.group(1)), check)
    dictionaries: dict[tuple[int, int], bytes] = {}
    packets: dict[int, bytes] = {}
    catalogs: set[_Location] = set()
    unreadable = False
    for number, section in enumerate(sections):
        check()
        # A revision's objects are looked up in that revision and the ones before it.
        visible = sections[number:]
        info = _INFO.search(section.trailer)
        if info is not None:
            place, dictionary = _dictionary_object(source, size, int(info.group(1)), visible)
            dictionaries.setdefault(place, dictionary)
        root = _ROOT.search(section.trailer)
        if root is None:
            continue
        try:
            # An update that leaves the catalog as it was names the same object again.
            where = _locate(source, int(root.group(1)), visible)
            if where in catalogs:
                continue
            catalogs.add(where)
            _, catalog = _dictionary_object(source, size, int(root.group(1)), visible)
            metadata = _METADATA.search(catalog)
            if metadata is not None:
                offset, packet = _xmp_stream(source, size, int(metadata.group(1)), visible)
                packets.setdefault(offset, packet)
        except NoCrossReference:
            # The Info dictionaries found still count: only the XMP is lost.
            unreadable = True
    return DocumentMetadata([dictionaries[place] for place in sorted(dictionaries)],
                            [packets[offset] for offset in sorted(packets)], unreadable)


def _xmp_stream(source: BinaryIO, size: int, number: int, sections: list[_Section]
                ) -> tuple[int, bytes]:
    """Where the Metadata stream `number` is, and its data up to MAX_XMP_BYTES + 1, decoded.

    Unlike the cross-reference streams, it is read only as far as the bound:
    one byte past it tells the XMP reader the packet was cut.
    """
    location = _locate(source, number, sections)
    if location.in_stream is not None:
        raise NoCrossReference("a stream inside an object stream")  # ISO 32000-1, 7.5.7
    head, begin, end = _object_dictionary(source, size, number, location.offset)
    dictionary = head[begin:end]
    opened = _STREAM_START.match(head, end)
    length = _LENGTH.search(dictionary)
    if opened is None:
        raise NoCrossReference("a Metadata object that is not a stream")
    # XMP streams are usually uncompressed; an indirect /Length is read as at most the bound.
    limit = MAX_XMP_BYTES + 1
    raw = _read_at(source, location.offset + opened.end(),
                   min(int(length.group(1)), limit) if length is not None else limit)
    named = _FILTER.search(dictionary)
    if named is None:
        if length is None:
            # Without its length, the stream ends where "endstream" is.
            cut = raw.find(b"endstream")
            raw = raw[:cut] if cut != -1 else raw
        return location.offset, raw
    opening, name, closing = named.groups()
    if name != b"FlateDecode" or bool(opening) != bool(closing):
        raise NoCrossReference("a Metadata stream filter this reader does not decode")
    # A truncated deflate stream inflates as far as it goes; more is never inflated.
    try:
        return location.offset, zlib.decompressobj().decompress(raw, limit)
    except zlib.error:
        raise NoCrossReference("a Metadata stream that does not inflate") from None


def _sections(source: BinaryIO, size: int, offset: int, check: Callable[[], None]
              ) -> list[_Section]:
    """Every revision's section, newest first, from `offset` through Prev (and XRefStm)."""
    sections: list[_Section] = []
    pending = [offset]
    seen: set[int] = set()
    while pending:
        check()
        at = pending.pop(0)
        if at in seen:
            continue
        if len(sections) == MAX_SECTIONS:
            raise NoCrossReference("too many revisions")
        seen.add(at)
        section = _section_at(source, size, at)
        sections.append(section)
        # A hybrid file's classic section names a stream with the rest of its objects.
        also = [_XREF_STREAM.search(section.trailer), _PREV.search(section.trailer)]
        pending += [int(match.group(1)) for match in also if match is not None]
    return sections


def _section_at(source: BinaryIO, size: int, offset: int) -> _Section:
    if not 0 <= offset < size:
        raise NoCrossReference("a cross-reference offset outside the file")
    head = _read_at(source, offset, FIRST_READ_BYTES)
    if head.lstrip().startswith(b"xref"):
        return _classic_section(source, size, offset + head.index(b"xref") + 4)
    opened = _OBJECT.match(head)
    if opened is not None:
        return _stream_section(source, size, int(opened.group(1)), offset)
    raise NoCrossReference("startxref does not point at cross-references")


def _classic_section(source: BinaryIO, size: int, position: int) -> _Section:
    subsections: list[tuple[int, int, int]] = []
    for _ in range(MAX_SUBSECTIONS):
        head = _read_at(source, position, 64)
        trailer = _TRAILER.match(head)
        if trailer is not None:
            start = position + trailer.end()
            try:
                dictionary = _dictionary(_read_at(source, start, FIRST_READ_BYTES))
            except _Unclosed:
                dictionary = _dictionary(_read_at(source, start, MAX_OBJECT_BYTES))
            return _Section(dictionary, subsections)
        subsection = _SUBSECTION.match(head)
        if subsection is None:
            raise NoCrossReference("an unreadable cross-reference subsection")
        first, count = int(subsection.group(1)), int(subsection.group(2))
        entries = position + subsection.end()
        subsections.append((first, count, entries))
        position = entries + count * ENTRY_SIZE
        if position > size:
            raise NoCrossReference("a subsection runs past the end of the file")
    raise NoCrossReference("too many cross-reference subsections")


def _stream_section(source: BinaryIO, size: int, number: int, offset: int) -> _Section:
    dictionary, data = _stream(source, size, number, offset)
    widths = _WIDTHS.search(dictionary)
    count = _SIZE.search(dictionary)
    if widths is None or count is None:
        raise NoCrossReference("a cross-reference stream without /W or /Size")
    w1, w2, w3 = (int(width) for width in widths.groups())
    index = _INDEX.search(dictionary)
    ranges = [int(n) for n in index.group(1).split()] if index else [0, int(count.group(1))]
    if w1 + w2 + w3 == 0 or len(ranges) % 2:
        raise NoCrossReference("an unreadable cross-reference stream")
    pairs = tuple(zip(ranges[::2], ranges[1::2], strict=True))
    return _Section(dictionary, rows=_StreamRows(data, (w1, w2, w3), pairs))


def _field(data: bytes, start: int, width: int, *, default: int) -> int:
    return int.from_bytes(data[start : start + width], "big") if width else default


def _locate(source: BinaryIO, number: int, sections: list[_Section]) -> _Location:
    """Where object `number` is, by the newest of `sections` that lists it in use."""
    for section in sections:
        listed = section.rows.entry(number) if section.rows is not None else None
        if listed is not None:
            kind, second, third = listed
            if kind == 1:
                return _Location(second)
            if kind == 2:
                return _Location(0, in_stream=second, index=third)
            continue  # free in this revision: an older one may still hold it
        for first, count, entries in section.subsections:
            if first <= number < first + count:
                # The entry's place follows from its number: 20 bytes, the others unread.
                entry = _ENTRY.match(_read_at(source, entries + (number - first) * ENTRY_SIZE,
                                              ENTRY_SIZE))
                if entry is None:
                    raise NoCrossReference("an unreadable cross-reference entry")
                if entry.group(3) == b"n":
                    return _Location(int(entry.group(1)))
    raise NoCrossReference(f"object {number} is in no cross-reference section")


def _dictionary_object(source: BinaryIO, size: int, number: int, sections: list[_Section]
                       ) -> tuple[tuple[int, int], bytes]:
    """Where in the file object `number` (an Info, a catalog) is, for ordering; its dictionary."""
    location = _locate(source, number, sections)
    if location.in_stream is None:
        head, begin, end = _object_dictionary(source, size, number, location.offset)
        return (location.offset, 0), head[begin:end]
    holder = _locate(source, location.in_stream, sections)
    dictionary, data = _stream(source, size, location.in_stream, holder.offset)
    first, count = _FIRST.search(dictionary), _COUNT.search(dictionary)
    if first is None or count is None or location.index >= int(count.group(1)):
        raise NoCrossReference("an unreadable object stream")
    # The stream opens with pairs of (object number, offset from /First).
    pairs = data[: int(first.group(1))].split()
    if 2 * location.index + 1 >= len(pairs) or int(pairs[2 * location.index]) != number:
        raise NoCrossReference("an object stream that does not hold the object named")
    start = int(first.group(1)) + int(pairs[2 * location.index + 1])
    return (holder.offset, location.index + 1), _dictionary(data, start)


def _object_dictionary(source: BinaryIO, size: int, number: int, offset: int
                       ) -> tuple[bytes, int, int]:
    """The bytes read from `offset`, which must open object `number`, and its dictionary's span."""
    if not 0 <= offset < size:
        raise NoCrossReference("an object offset outside the file")
    for length in (FIRST_READ_BYTES, MAX_OBJECT_BYTES):
        head = _read_at(source, offset, length)
        opened = _OBJECT.match(head)
        if opened is None or int(opened.group(1)) != number:
            raise NoCrossReference(f"the offset given for object {number} does not open it")
        try:
            return (head, *_dictionary_span(head, opened.end()))
        except _Unclosed:
            if len(head) < length:
                raise
    raise NoCrossReference(f"object {number}'s dictionary is longer than the bound")


def _stream(source: BinaryIO, size: int, number: int, offset: int) -> tuple[bytes, bytes]:
    """Object `number`'s stream dictionary and its decoded data, both bounded."""
    head, begin, end = _object_dictionary(source, size, number, offset)
    dictionary = head[begin:end]
    opened = _STREAM_START.match(head, end)
    length = _LENGTH.search(dictionary)
    if opened is None or length is None or int(length.group(1)) > MAX_STREAM_BYTES:
        raise NoCrossReference("a stream without a direct, bounded /Length")
    raw = _read_at(source, offset + opened.end(), int(length.group(1)))
    return dictionary, _unpredict(dictionary, _decompress(dictionary, raw))


def _decompress(dictionary: bytes, raw: bytes) -> bytes:
    named = _FILTER.search(dictionary)
    if named is None:
        return raw
    opening, name, closing = named.groups()
    if name != b"FlateDecode" or bool(opening) != bool(closing):
        raise NoCrossReference("a stream filter this reader does not decode")
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_STREAM_BYTES)
    except zlib.error:
        raise NoCrossReference("a stream that does not inflate") from None
    if inflater.unconsumed_tail:
        raise NoCrossReference("a stream that inflates past the bound")
    return data


def _unpredict(dictionary: bytes, data: bytes) -> bytes:
    """Undo a PNG predictor of None or Up on every row (what cross-reference streams use)."""
    predictor = _PREDICTOR.search(dictionary)
    if predictor is None or int(predictor.group(1)) == 1:
        return data
    if not 10 <= int(predictor.group(1)) <= 15:
        raise NoCrossReference("a TIFF predictor")
    columns_given = _COLUMNS.search(dictionary)
    columns = int(columns_given.group(1)) if columns_given else 1
    if not 0 < columns <= MAX_COLUMNS:
        raise NoCrossReference("predictor columns no cross-reference table has")
    stride = columns + 1
    rows = len(data) // stride
    filters = set(data[0 : rows * stride : stride])
    decoded = bytearray(rows * columns)
    if filters <= {0}:
        for column in range(columns):
            decoded[column::columns] = data[column + 1 : rows * stride : stride]
    elif filters == {2}:
        # Up adds the byte above, modulo 256: each column is a running sum,
        # computed in C (accumulate, map) rather than byte by byte in Python.
        low_byte = (255).__and__
        for column in range(columns):
            decoded[column::columns] = bytes(
                map(low_byte, accumulate(data[column + 1 : rows * stride : stride])))
    else:
        raise NoCrossReference("a PNG predictor other than None or Up")
    return bytes(decoded)


def _dictionary(data: bytes, start: int = 0) -> bytes:
    """`data[start:]`'s leading dictionary, `<<` to its matching `>>`."""
    begin, end = _dictionary_span(data, start)
    return data[begin:end]


def _dictionary_span(data: bytes, start: int) -> tuple[int, int]:
    """Where `data[start:]`'s leading dictionary begins and ends, found in one linear pass.

    Strings are stepped over, so a `>>` inside `(...)` or a `<` of a
    hexadecimal string never closes or opens anything.
    """
    position = start
    while position < len(data) and data[position] in b" \t\r\n\f\x00":
        position += 1
    if position == len(data):
        raise _Unclosed("the bytes read end before the dictionary starts")
    if not data.startswith(b"<<", position):
        raise NoCrossReference("no dictionary where one must be")
    begin = position
    depth = 0
    while position < len(data):
        byte = data[position]
        if data.startswith(b"<<", position):
            depth += 1
            position += 2
        elif data.startswith(b">>", position):
            depth -= 1
            position += 2
            if depth == 0:
                return begin, position
        elif byte == 0x28:  # "(": a literal string, parentheses balanced, backslash escapes
            position = _literal_end(data, position)
        elif byte == 0x3C:  # "<" alone: a hexadecimal string
            close = data.find(b">", position)
            if close == -1:
                break
            position = close + 1
        else:
            position += 1
    raise _Unclosed("a dictionary that does not close")


def _literal_end(data: bytes, position: int) -> int:
    nesting = 0
    while position < len(data):
        byte = data[position]
        if byte == 0x5C:  # backslash: the next byte is taken as is
            position += 2
            continue
        if byte == 0x28:
            nesting += 1
        elif byte == 0x29:
            nesting -= 1
            if nesting == 0:
                return position + 1
        position += 1
    return position


def _read_at(source: BinaryIO, offset: int, length: int) -> bytes:
    source.seek(offset)
    return source.read(length)
