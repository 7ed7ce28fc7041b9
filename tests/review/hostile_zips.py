"""Zip archives built to cost whoever opens them: many tiny entries, or an end record that lies."""

from __future__ import annotations

import struct

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_ZIP64_END = b"PK\x06\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_MEMBER = struct.pack("<4s5H3I2H", _LOCAL, 20, 0, 0, 0, 0, 0, 0, 0, 3, 0) + b"\x00\x00\x00"


def many_entry_zip(count: int) -> bytes:
    """A valid archive whose directory lists `count` empty members, 49 bytes each.

    One empty stored member is written and every directory entry, each with
    its own 3-byte name, points at it: 680,000 entries fit in the 32 MiB an
    attachment may have to be inspected, as in the review's report. zipfile
    indexes every entry on opening; past 65,535 the end records are zip64.
    """
    entry = struct.Struct("<4s6H3I5H2I3s")
    directory = b"".join(
        entry.pack(_CENTRAL, 20, 20, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0,
                   number.to_bytes(3, "big"))
        for number in range(count))
    return _MEMBER + directory + end_records(count, len(directory), len(_MEMBER))


def end_records(entries: int, size: int, offset: int, *, zip64: bool | None = None) -> bytes:
    """The end of an archive whose directory (at `offset`) claims `entries` in `size` bytes."""
    if zip64 is None:
        zip64 = entries > 0xFFFF or size > 0xFFFFFFFF
    if not zip64:
        return struct.pack("<4s4H2IH", _END, 0, 0, entries, entries, size, offset, 0)
    record = struct.pack("<4sQ2H2I4Q", _ZIP64_END, 44, 45, 45, 0, 0, entries, entries, size,
                         offset)
    locator = struct.pack("<4sIQI", _ZIP64_LOCATOR, 0, offset + size, 1)
    end = struct.pack("<4s4H2IH", _END, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return record + locator + end


def lying_zip(entries: int, size: int, *, zip64: bool | None = None) -> bytes:
    """A small archive whose end record claims a directory of `entries` in `size` bytes."""
    return _MEMBER + end_records(entries, size, len(_MEMBER), zip64=zip64)
