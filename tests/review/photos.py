"""A photo whose metadata gives its taker away, built byte by byte."""

from __future__ import annotations

import struct


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> tuple[bytes, bytes]:
    """A little-endian TIFF IFD at offset `start`, with out-of-line values after it."""
    table = struct.pack("<H", len(entries))
    extra = b""
    data_offset = start + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, data_offset + len(extra))
            extra += value
    return table + b"\x00\x00\x00\x00", extra


def jpeg_with_gps() -> bytes:
    """A tiny JPEG whose EXIF names the phone and the Eiffel Tower's coordinates."""

    def rational(*values: tuple[int, int]) -> bytes:
        return b"".join(struct.pack("<II", a, b) for a, b in values)

    gps_offset = 200
    ifd0, extra0 = _ifd(
        [(0x010F, 2, 6, b"Apple\x00"), (0x0110, 2, 10, b"iPhone 15\x00"),
         (0x8825, 4, 1, struct.pack("<I", gps_offset))], 8)
    gps, extra_gps = _ifd(
        [(1, 2, 2, b"N\x00"), (2, 5, 3, rational((48, 1), (51, 1), (288, 10))),
         (3, 2, 2, b"E\x00"), (4, 5, 3, rational((2, 1), (17, 1), (402, 10)))], gps_offset)
    head = b"II*\x00" + struct.pack("<I", 8) + ifd0 + extra0
    tiff = head.ljust(gps_offset, b"\x00") + gps + extra_gps
    app1 = b"Exif\x00\x00" + tiff
    return (b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
            + b"\xff\xda\x00\x02" + b"\x00" * 16 + b"\xff\xd9")
