"""The IPTC-IIM record, XMP and EXIF among Photoshop image resources (a TIFF's tag 34377,
a JPEG's APP13).

Photoshop, and the tools that write as it does, keep a TIFF's IPTC record in
its image resources rather than in tag 33723: a run of blocks, each the
signature "8BIM", a 2-byte big-endian resource id, a Pascal name (a length
byte and that many bytes, padded to an even total), a 4-byte big-endian size
and that many bytes of data, padded to an even number. Resource 0x0404 is the
IPTC record, 0x0424 an XMP packet and 0x0422 ("EXIF data 1") an EXIF block
laid out as a TIFF (exiftool reads it with its TIFF reader), which are
returned: the caller bounds how many such blocks it reads, since an EXIF block
may hold resources of its own, and so on. 0x0423 ("EXIF data 3") is in a
format no one documents (exiftool shows it as unknown binary data), so it is
only noted; the rest (thumbnails, print settings, paths) is stepped over.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# A photo's resources are a few dozen blocks; a hostile run of empty ones stops here.
MAX_RESOURCES = 256
_SIGNATURE = b"8BIM"
# Blocks of other tools laid out the same way (ImageReady's PHUT, PhotoDeluxe's
# MeSa, DCSR, AgHg): exiftool steps over them and keeps walking, and so does this,
# so that a block of one of them first hides no EXIF or IPTC after it.
_OTHER_SIGNATURES = frozenset({b"PHUT", b"DCSR", b"AgHg", b"MeSa"})
_IPTC_RESOURCE = 0x0404
_XMP_RESOURCE = 0x0424
_EXIF_RESOURCE = 0x0422
_UNDOCUMENTED_EXIF_RESOURCE = 0x0423


@dataclass
class Resources:
    """The IPTC records, XMP packets and EXIF blocks found, in their order, whether
    they hold EXIF in a format not read, and whether every block was walked."""

    iptc: list[bytes] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    exif: list[bytes] = field(default_factory=list)
    holds_unread_exif: bool = False
    complete: bool = True


def iptc_records(resources: bytes) -> Resources:
    """The data of each IPTC, XMP and EXIF resource in `resources`, walking at most
    MAX_RESOURCES blocks."""
    found = Resources()
    position = 0
    for _ in range(MAX_RESOURCES):
        if not resources[position:].strip(b"\x00"):
            return found  # the end, or the padding a TIFF's 4-byte units add
        signature = resources[position : position + 4]
        known = signature == _SIGNATURE or signature in _OTHER_SIGNATURES
        if not known or position + 7 > len(resources):
            found.complete = False
            return found
        (resource,) = struct.unpack(">H", resources[position + 4 : position + 6])
        name_length = resources[position + 6]
        size_at = position + 6 + ((1 + name_length + 1) & ~1)
        size_bytes = resources[size_at : size_at + 4]
        if len(size_bytes) < 4:
            found.complete = False
            return found
        (size,) = struct.unpack(">I", size_bytes)
        data = resources[size_at + 4 : size_at + 4 + size]
        if signature != _SIGNATURE:
            pass  # another tool's numbering: its ids are not Photoshop's, so nothing is read
        elif resource == _IPTC_RESOURCE:
            found.iptc.append(data)
        elif resource == _XMP_RESOURCE:
            found.xmp.append(data)
        elif resource == _EXIF_RESOURCE:
            found.exif.append(data)
        elif resource == _UNDOCUMENTED_EXIF_RESOURCE:
            found.holds_unread_exif = True
        if len(data) < size:
            found.complete = False  # cut short: what there is may still say something
            return found
        position = size_at + 4 + size + (size & 1)
    found.complete = not resources[position:].strip(b"\x00")
    return found
