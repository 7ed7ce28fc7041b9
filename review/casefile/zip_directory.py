"""How large a zip's central directory claims to be, read from its end record before zipfile is.

`zipfile.ZipFile` builds an index of every central-directory entry when it
opens an archive, before any caller can check a budget: 700,000 tiny entries in
32 MiB cost seconds and hundreds of MiB. Its parse walks exactly the number of
bytes the end record gives as the directory's size, so reading that record
first, the way zipfile finds it, bounds the work before it starts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

END_SIGNATURE = b"PK\x05\x06"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
ZIP64_END_SIGNATURE = b"PK\x06\x06"
END_SIZE = 22
ZIP64_LOCATOR_SIZE = 20
ZIP64_END_SIZE = 56
# The archive comment after the end record is under 64 KiB: zipfile searches
# this much of the file's end for the record.
SEARCH_WINDOW = (1 << 16) + END_SIZE
# Everything central_directory() reads: the search window and, before the
# earliest record it can find there, a zip64 locator and end record. Given only
# these last bytes of a longer file it finds the same record at the same place
# from the end (no seek it makes falls before the tail's start), so an
# archive's size can be checked from its tail alone.
TAIL_SIZE = SEARCH_WINDOW + ZIP64_LOCATOR_SIZE + ZIP64_END_SIZE


class NoEndRecord(ValueError):
    """The bytes hold no end-of-central-directory record zipfile could open."""


@dataclass(frozen=True)
class CentralDirectory:
    """What the end record zipfile would use says of the central directory (unverified)."""

    entries: int
    size: int


def central_directory(data: bytes) -> CentralDirectory:
    """The entry count and byte size the archive's end record claims.

    `data` is the whole archive or at least its last TAIL_SIZE bytes.

    The record is found the way zipfile (3.11) finds it: the last 22 bytes if
    they are a record with no comment, else the last signature in the final
    64 KiB; a zip64 record directly before its locator overrides it. Both
    therefore read the same record, and the size checked here is the size
    zipfile's index walks.
    """
    position = _end_record_position(data)
    zip64 = _zip64_fields(data, position)
    if zip64 is not None:
        return zip64
    # signature, this disk, directory's disk, entries here, entries in all, size, offset, comment
    fields = struct.unpack("<4sHHHHIIH", data[position : position + END_SIZE])
    return CentralDirectory(entries=fields[4], size=fields[5])


def _end_record_position(data: bytes) -> int:
    last = len(data) - END_SIZE
    if last >= 0 and data.startswith(END_SIGNATURE, last) and data.endswith(b"\x00\x00"):
        return last
    found = data.rfind(END_SIGNATURE, max(len(data) - SEARCH_WINDOW, 0))
    if found < 0 or found + END_SIZE > len(data):
        raise NoEndRecord("no end-of-central-directory record")
    return found


def _zip64_fields(data: bytes, end_position: int) -> CentralDirectory | None:
    # zipfile seeks relative to the end of the file, and a seek before its
    # start lands on byte 0: the same clamping keeps both reading the same bytes.
    locator = max(end_position - ZIP64_LOCATOR_SIZE, 0)
    record = max(locator - ZIP64_END_SIZE, 0)
    found = data[record : record + ZIP64_END_SIZE]
    if not data.startswith(ZIP64_LOCATOR_SIGNATURE, locator):
        return None
    if len(found) != ZIP64_END_SIZE or not found.startswith(ZIP64_END_SIGNATURE):
        return None
    # signature, record size, two versions, two disks, entries here, entries in all, size, offset
    fields = struct.unpack("<4sQHHIIQQQQ", found)
    return CentralDirectory(entries=fields[7], size=fields[8])
