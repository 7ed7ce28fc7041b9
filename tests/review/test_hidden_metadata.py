"""Layouts that hid a place or a name from the case view, found by the second review of the
TIFF reader: each is now shown, or the reading says it stopped early; never silence.

Each file is laid out by hand (tests/review/tiff_builder.py for IFDs): no writer
produces most of them, and exiftool reads every one (the review's scripts compared).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from review.casefile.attachment_metadata import MAKER_NOTE_UNREAD, MAX_EXIF_BLOBS, inspect
from tests.review.large_attachments import png_chunk
from tests.review.metadata_samples import CANON_MAKER_NOTE, CANON_SERIAL, exiftool_tags, xmp_packet
from tests.review.tiff_builder import (
    ASCII,
    RATIONAL,
    UNDEFINED,
    Entry,
    gps,
    pointer,
    rationals,
    text,
    tiff,
)

MAKE, ARTIST, SUB_IFDS, GPS_POINTER, PHOTOSHOP = 0x010F, 0x013B, 330, 0x8825, 34377
EIFFEL = ("GPS location", "48.85830, 2.29450")
LHASA_XMP = xmp_packet("<photoshop:City>Lhasa</photoshop:City>",
                       "<dc:creator><rdf:Seq><rdf:li>Tenzin</rdf:li></rdf:Seq></dc:creator>")
LHASA_FIELDS = [("Place", "Lhasa"), ("Author", "Tenzin")]


def _ifd_sizes(*ifds: list[Entry]) -> list[int]:
    """Where tiff() puts each IFD, in order from offset 8."""
    offsets, position = [], 8
    for entries in ifds:
        offsets.append(position)
        position += 2 + 12 * len(entries) + 4
    return offsets


def test_a_subifd_s_own_next_ifd_is_read() -> None:
    """A SubIFD with pages of its own: the second names the artist."""
    ifds = ([pointer(SUB_IFDS, 1)], [text(MAKE, "Scanner")], [text(ARTIST, "Tenzin Dorje")])
    data = bytearray(tiff(*ifds))
    offsets = _ifd_sizes(*ifds)
    next_of_first_subifd = offsets[1] + 2 + 12 * len(ifds[1])
    data[next_of_first_subifd : next_of_first_subifd + 4] = struct.pack("<I", offsets[2])
    meta = inspect(bytes(data))
    assert ("Artist", "Tenzin Dorje") in meta.fields and "identity" in meta.warnings


@pytest.mark.parametrize("blank", [b" ", b"\n", b"\t", b"\x00"])
def test_a_text_that_says_nothing_before_its_bound_says_the_reading_stopped(blank: bytes) -> None:
    padded = blank * 300 + b"C:\\Users\\tenzin\\Desktop\\scan.tif\x00"
    meta = inspect(tiff([(ARTIST, ASCII, len(padded), padded)]))
    assert meta.incomplete is True


@pytest.mark.parametrize("kind", [RATIONAL, ASCII, UNDEFINED])
def test_a_gps_pointer_of_a_type_no_offset_is_read_of_says_the_reading_stopped(
    kind: int,
) -> None:
    entry: Entry = (GPS_POINTER, kind, 1, b"\x08\x00\x00\x00\x01\x00\x00\x00"[
        : 8 if kind == RATIONAL else 1])
    meta = inspect(tiff([entry], gps()))
    assert meta.incomplete is True


def test_a_gps_destination_and_area_name_are_shown() -> None:
    area = b"ASCII\x00\x00\x00Barkhor Street"
    entries = [text(0x13, "N"), rationals(0x14, (29, 1), (39, 1), (0, 1)),
               text(0x15, "E"), rationals(0x16, (91, 1), (7, 1), (0, 1)),
               (0x1C, UNDEFINED, len(area), area)]  # fmt: skip
    meta = inspect(tiff([pointer(GPS_POINTER, 1)], entries))
    assert ("GPS location", "29.65000, 91.11667") in meta.fields
    assert ("Place", "Barkhor Street") in meta.fields and "location" in meta.warnings


def _photoshop_block(resource: int, data: bytes) -> bytes:
    return (b"8BIM" + struct.pack(">H", resource) + b"\x00\x00" + struct.pack(">I", len(data))
            + data + b"\x00" * (len(data) & 1))


def test_xmp_among_a_tiff_s_photoshop_resources_is_read_and_exif_data_3_says_it_was_not() -> None:
    """EXIF data 1 (0x0422) is read too: tests/review/test_photoshop_exif.py."""
    resources = _photoshop_block(0x0424, LHASA_XMP)
    meta = inspect(tiff([(PHOTOSHOP, UNDEFINED, len(resources), resources)]))
    assert meta.fields == LHASA_FIELDS and meta.incomplete is False
    exif = _photoshop_block(0x0423, tiff([text(MAKE, "Apple")]))
    meta = inspect(tiff([(PHOTOSHOP, UNDEFINED, len(exif), exif)]))
    assert meta.incomplete is True


def test_more_iptc_datasets_are_read() -> None:
    record = (b"\x1c\x02\x1b\x00\x0eBarkhor Street"  # 2:27 content location name
              b"\x1c\x02\x7a\x00\x0cTenzin Dorje")  # 2:122 writer or editor  # fmt: skip
    meta = inspect(tiff([(33723, UNDEFINED, len(record), record)]))
    assert meta.fields == [("Place", "Barkhor Street"), ("Author", "Tenzin Dorje")]


def _segment(marker: int, body: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body


def _jpeg(*segments: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + b"\xff\xda\x00\x02\xff\xd9"


GPS_EXIF = tiff([text(MAKE, "Apple"), pointer(GPS_POINTER, 1)], gps())
DECOY_EXIF = tiff([text(MAKE, "Decoy")])


def test_a_jpeg_s_xmp_and_photoshop_iptc_are_read() -> None:
    meta = inspect(_jpeg(_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + LHASA_XMP)))
    assert meta.fields == LHASA_FIELDS
    iptc = b"\x1c\x02\x50\x00\x0cTenzin Dorje"
    meta = inspect(_jpeg(_segment(0xED, b"Photoshop 3.0\x00" + _photoshop_block(0x0404, iptc))))
    assert meta.fields == [("Author", "Tenzin Dorje")]


@pytest.mark.parametrize("layout", ["decoy first", "fill bytes", "Exif\\0 then 0xff"])
def test_a_jpeg_s_exif_is_found_however_its_segments_are_laid_out(layout: str) -> None:
    data = {
        "decoy first": _jpeg(_segment(0xE1, b"Exif\x00\x00" + DECOY_EXIF),
                             _segment(0xE1, b"Exif\x00\x00" + GPS_EXIF)),
        "fill bytes": b"\xff\xd8\xff\xff" + _segment(0xE1, b"Exif\x00\x00" + GPS_EXIF)
        + b"\xff\xda\x00\x02",
        "Exif\\0 then 0xff": _jpeg(_segment(0xE1, b"Exif\x00\xff" + GPS_EXIF)),
    }[layout]
    assert EIFFEL in inspect(data).fields


def _png(*chunks: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + b"".join(chunks)
            + png_chunk(b"IDAT", zlib.compress(b"\x00\x00")) + png_chunk(b"IEND", b""))


def test_a_png_s_xmp_decoy_exif_and_compressed_text() -> None:
    xmp = png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + LHASA_XMP)
    assert inspect(_png(xmp)).fields == LHASA_FIELDS
    decoyed = inspect(_png(png_chunk(b"eXIf", DECOY_EXIF), png_chunk(b"eXIf", GPS_EXIF)))
    assert EIFFEL in decoyed.fields
    # Compressed text without a raw profile's header lines: tests/review/test_png_text.py
    # reads the profiles ImageMagick writes.
    profile = b"Raw profile type exif\x00\x00" + zlib.compress(GPS_EXIF.hex().encode())
    assert inspect(_png(png_chunk(b"zTXt", profile))).incomplete is True


def _webp(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"WEBP" + b"".join(kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)
                              for kind, data in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_a_webp_s_decoy_exif_hides_no_other_up_to_the_bound() -> None:
    decoys = [(b"EXIF", DECOY_EXIF)] * (MAX_EXIF_BLOBS - 1)
    assert EIFFEL in inspect(_webp(*decoys, (b"EXIF", GPS_EXIF))).fields
    beyond = inspect(_webp(*decoys, (b"EXIF", DECOY_EXIF), (b"EXIF", GPS_EXIF)))
    assert EIFFEL not in beyond.fields and beyond.incomplete is True


# What the outside review of the metadata readers found in IFDs reached from the EXIF
# IFD (IFD0 -> EXIF -> Interop, EXIF -> EXIF, EXIF -> SubIFD), each read by exiftool.
INTEROP, EXIF_POINTER, MAKER_NOTE = 0xA005, 0x8769, 0x927C
MAKER_NOTE_ENTRY: Entry = (MAKER_NOTE, UNDEFINED, len(CANON_MAKER_NOTE), CANON_MAKER_NOTE)
CANON = text(MAKE, "Canon")
SERIAL, OWNER = text(0xA431, "SN-0042"), text(0xA430, "Tenzin Dorje")
REACHED_FROM_EXIF = {
    "serial in the Interop IFD": (
        tiff([CANON, pointer(EXIF_POINTER, 1)], [pointer(INTEROP, 2)], [SERIAL, OWNER]),
        {"InteropIFD:SerialNumber": "SN-0042", "InteropIFD:OwnerName": "Tenzin Dorje"},
        [("Camera owner", "Tenzin Dorje"), ("Device serial number", "SN-0042")]),
    "GPS from the Interop IFD": (
        tiff([CANON, pointer(EXIF_POINTER, 1)], [pointer(INTEROP, 2)],
             [pointer(GPS_POINTER, 3)], gps()),
        {"GPS:GPSLatitude": 48.8583}, [EIFFEL]),
    "maker note in the Interop IFD": (
        tiff([CANON, pointer(EXIF_POINTER, 1)], [pointer(INTEROP, 2)], [MAKER_NOTE_ENTRY]),
        {"Canon:SerialNumber": CANON_SERIAL}, [("Note", MAKER_NOTE_UNREAD)]),
    "EXIF IFD in the EXIF IFD": (
        tiff([CANON, pointer(EXIF_POINTER, 1)], [pointer(EXIF_POINTER, 2)],
             [MAKER_NOTE_ENTRY, SERIAL]),
        {"Canon:SerialNumber": CANON_SERIAL, "ExifIFD:SerialNumber": "SN-0042"},
        [("Note", MAKER_NOTE_UNREAD), ("Device serial number", "SN-0042")]),
    "SubIFD of the EXIF IFD": (
        tiff([CANON, pointer(EXIF_POINTER, 1)], [pointer(SUB_IFDS, 2)], [MAKER_NOTE_ENTRY]),
        {"Canon:SerialNumber": CANON_SERIAL}, [("Note", MAKER_NOTE_UNREAD)]),
}  # fmt: skip


@pytest.mark.parametrize("layout", list(REACHED_FROM_EXIF))
def test_ifds_reached_from_the_exif_ifd_are_read(layout: str, tmp_path: Path) -> None:
    data, exiftool_reads, fields = REACHED_FROM_EXIF[layout]
    tags = exiftool_tags(data, tmp_path, "photo.tif")
    assert {key: tags.get(key) for key in exiftool_reads} == exiftool_reads
    meta = inspect(data)
    assert meta.fields == [("Device maker", "Canon"), *fields] and meta.incomplete is False


def test_exif_and_interop_ifds_pointing_back_are_each_read_once() -> None:
    exif_ifd = [pointer(EXIF_POINTER, 1), pointer(INTEROP, 2), SERIAL]
    interop_ifd = [pointer(EXIF_POINTER, 1), pointer(INTEROP, 2), OWNER]
    meta = inspect(tiff([CANON, pointer(EXIF_POINTER, 1)], exif_ifd, interop_ifd))
    assert meta.fields == [("Device maker", "Canon"), ("Device serial number", "SN-0042"),
                           ("Camera owner", "Tenzin Dorje")]  # fmt: skip
    assert meta.incomplete is False
