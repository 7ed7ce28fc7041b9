"""TIFF and BigTIFF photos' IFDs, EXIF, GPS and XMP as exiftool reads them; hostile ones bounded."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from review.casefile.attachment_metadata import (
    MAX_TIFF_IFDS,
    TYPE_PREFIX_BYTES,
    UNREADABLE_METADATA,
    detect_type,
    inspect,
    inspect_seekable,
)
from review.casefile.iptc import MAX_DATASETS, read_iptc
from review.casefile.tiff_ifd import MAX_ENTRIES, MAX_REPEATS
from review.export.derivatives import strip_image_metadata
from tests.review.large_attachments import CountingFile, inspect_encrypted
from tests.review.metadata_samples import (
    TIFF_FIELDS,
    TIFF_IPTC,
    exiftool_tags,
    tiff_photo,
    tiff_photo_laid_out,
)

UNREADABLE = ("Note", UNREADABLE_METADATA)
SEALED_CHUNK = (64 << 10) + 16
# An entry whose tag no field is read from (ImageWidth, a SHORT held inline).
WIDTH = (0x0100, 3, 1, b"\x20\x00\x00\x00")
MAKE = (0x010F, 2, 4, b"Cam\x00")


@pytest.mark.parametrize("magic", [b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"],
                         ids=["tiff-le", "tiff-be", "bigtiff-le", "bigtiff-be"])
def test_tiff_and_bigtiff_are_detected_in_either_byte_order(magic: bytes) -> None:
    assert detect_type(magic + b"\x00" * 12) == "image/tiff"


def test_a_tiff_photo_shows_what_exiftool_reads(tmp_path: Path) -> None:
    photo = tiff_photo()
    meta = inspect(photo)
    tags = exiftool_tags(photo, tmp_path, "photo.tif")
    assert tags["File:FileType"] == "TIFF"
    fields: dict[str, list[str]] = {}
    for label, value in meta.fields:
        fields.setdefault(label, []).append(value)
    assert fields["Device maker"] == [tags["IFD0:Make"]]
    assert fields["Device model"] == [tags["IFD0:Model"]]
    assert fields["Device serial number"] == [tags["ExifIFD:SerialNumber"]]
    assert fields["Taken"] == [tags["ExifIFD:DateTimeOriginal"]]
    latitude, longitude = (float(part) for part in fields["GPS location"][0].split(", "))
    assert latitude == pytest.approx(tags["GPS:GPSLatitude"], abs=1e-5)
    assert longitude == pytest.approx(tags["GPS:GPSLongitude"], abs=1e-5)
    # The XMP's person and place, then the IPTC record's (exiftool wrote it as LONGs).
    assert fields["Author"] == [*tags["XMP-dc:Creator"], tags["IPTC:By-line"]]  # type: ignore[misc]
    assert fields["Place"] == [tags["XMP-photoshop:City"], tags["IPTC:City"]]
    assert meta.fields == TIFF_FIELDS
    assert (meta.warnings, meta.incomplete) == (["location", "identity"], False)


@pytest.mark.parametrize(("big_endian", "big_tiff"), [(True, False), (False, True)],
                         ids=["big-endian", "bigtiff"])
def test_each_byte_order_and_offset_width_shows_the_same_fields(
    big_endian: bool, big_tiff: bool, tmp_path: Path
) -> None:
    photo = tiff_photo_laid_out(big_endian=big_endian, big_tiff=big_tiff)
    assert photo[:2] == (b"MM" if big_endian else b"II")
    meta = inspect(photo)
    assert meta.fields == TIFF_FIELDS
    assert (meta.warnings, meta.incomplete) == (["location", "identity"], False)
    tags = exiftool_tags(photo, tmp_path, "photo.tif")
    assert tags["File:FileType"] == ("BTF" if big_tiff else "TIFF")
    assert dict(meta.fields)["Device model"] == tags["IFD0:Model"]
    assert tags["IPTC:By-line"] == "Wang Fang"


def test_a_big_endian_bigtiff_is_read() -> None:
    # Pillow cannot write one with sub-IFDs: one IFD, a count and an entry of 8-byte fields.
    bigtiff = (b"MM\x00+" + struct.pack(">HHQ", 8, 0, 16) + struct.pack(">Q", 1)
               + struct.pack(">HHQ", 0x010F, 2, 4) + b"Cam\x00\x00\x00\x00\x00"
               + struct.pack(">Q", 0))
    meta = inspect(bigtiff)
    assert (meta.fields, meta.warnings, meta.incomplete) == (
        [("Device maker", "Cam")], ["identity"], False)


def test_a_large_tiff_is_decrypted_only_where_its_offsets_point() -> None:
    photo = tiff_photo(width=2048, height=1024)  # 6 MiB of pixels
    meta, read = inspect_encrypted(photo)
    print(f"a {len(photo) >> 20} MiB TIFF: {read} bytes of ciphertext read")
    assert meta.fields == TIFF_FIELDS
    # Its header's chunk and the chunk exiftool wrote the IFDs and values in.
    assert read < 4 * SEALED_CHUNK


def _chain(count: int, last: tuple[int, int, int, bytes]) -> bytes:
    """A TIFF of `count` one-entry IFDs, each pointing to the next; the last holds `last`."""
    data = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for index in range(count):
        following = 8 + (index + 1) * 18 if index + 1 < count else 0
        tag, kind, values, inline = last if index == count - 1 else WIDTH
        data += struct.pack("<HHHI", 1, tag, kind, values) + inline + struct.pack("<I", following)
    return bytes(data)


@pytest.mark.parametrize("count", [MAX_TIFF_IFDS, MAX_TIFF_IFDS + 1])
def test_a_tiff_with_more_ifds_than_are_read_says_its_reading_is_incomplete(count: int) -> None:
    """The last page names the device: read, it warns; past the bound, the reading is
    incomplete rather than silently clean."""
    meta = inspect(_chain(count, MAKE))
    if count <= MAX_TIFF_IFDS:
        assert (meta.warnings, meta.incomplete) == (["identity"], False)
    else:
        assert (meta.fields, meta.incomplete) == ([], True)


def _hostile() -> dict[str, bytes]:
    one_make = struct.pack("<HHHI", 1, *MAKE[:3]) + MAKE[3]
    return {
        # IFD0 pointing back at itself: read once, and said to be malformed.
        "loop": b"II*\x00" + struct.pack("<I", 8) + one_make + struct.pack("<I", 8),
        # A chain whose second IFD points back to the first.
        "loop-of-two": _chain(2, (0x0110, 2, 4, b"Mod\x00"))[:-4] + struct.pack("<I", 8),
        # 65,535 entries claimed, one present.
        "huge-entry-count": b"II*\x00" + struct.pack("<IH", 8, 0xFFFF)
        + struct.pack("<HHI", *MAKE[:2], 4) + MAKE[3],
        # A maker's name claiming 4 GiB, of which the file holds three letters.
        "huge-value-count": b"II*\x00" + struct.pack("<IH", 8, 1)
        + struct.pack("<HHII", 0x010F, 2, 0xFFFFFFFF, 26) + struct.pack("<I", 0) + b"Cam",
        "ifd-outside": b"II*\x00" + struct.pack("<I", 0xFFFFFFF0),
        "exif-outside": b"II*\x00" + struct.pack("<IH", 8, 1)
        + struct.pack("<HHII", 0x8769, 4, 1, 0xFFFFFF00) + struct.pack("<I", 0),
        "gps-rationals-outside": b"II*\x00" + struct.pack("<IH", 8, 1)
        + struct.pack("<HHII", 0x8825, 4, 1, 26) + struct.pack("<I", 0)
        + struct.pack("<HHHII", 1, 2, 5, 3, 0xFFFFFFF0),
        "xmp-outside": b"II*\x00" + struct.pack("<IH", 8, 1)
        + struct.pack("<HHII", 700, 7, 0xFFFFFFFF, 0xFFFFFF00) + struct.pack("<I", 0),
        "entries-cut": b"II*\x00" + struct.pack("<IH", 8, 3) + b"\x0f\x01\x02",
        "bigtiff-huge-count": b"II+\x00" + struct.pack("<HHQQ", 8, 0, 16, 2**64 - 1)
        + struct.pack("<HHQ", 0x010F, 2, 4) + b"Cam\x00\x00\x00\x00\x00",
        "bigtiff-4-byte-offsets": b"II+\x00" + struct.pack("<HHQ", 4, 0, 16),
        "header-only": b"MM\x00*",
    }


HOSTILE = _hostile()
EXPECTED = {
    "loop": [("Device maker", "Cam")],
    "loop-of-two": [("Device model", "Mod")],
    "huge-entry-count": [("Device maker", "Cam")],
    "huge-value-count": [("Device maker", "Cam")],
    "ifd-outside": [UNREADABLE],
    "exif-outside": [],
    "gps-rationals-outside": [],
    "xmp-outside": [],
    "entries-cut": [],
    "bigtiff-huge-count": [("Device maker", "Cam")],
    "bigtiff-4-byte-offsets": [UNREADABLE],
    "header-only": [UNREADABLE],
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_tiff_shows_what_it_could_read_and_says_it_stopped(name: str) -> None:
    data = HOSTILE[name]
    source = CountingFile(data)
    meta = inspect_seekable(source, len(data))
    assert meta.detected_type == "image/tiff"
    assert (meta.fields, meta.incomplete) == (EXPECTED[name], True)
    # The type's bytes and the header, then each byte of the file at most once.
    assert source.bytes_read <= TYPE_PREFIX_BYTES + 16 + len(data)


def test_a_hostile_tiff_costs_its_ifds_reads_however_its_offsets_point() -> None:
    """MAX_ENTRIES entries, all of wanted tags, their values spread over 4 MiB:
    the entries are read once, and MAX_REPEATS values of each tag."""
    size = 4 << 20
    data = bytearray(size)
    entries = b"".join(struct.pack("<HHII", (0x010F, 0x0110, 0x013B)[index % 3], 2, 0xFFFF,
                                   size - 16 - index * 4096) for index in range(MAX_ENTRIES))
    ifd = struct.pack("<H", 0xFFFF) + entries
    data[:8 + len(ifd)] = b"II*\x00" + struct.pack("<I", 8) + ifd
    data[size - 16 : size - 12] = b"Cam\x00"
    source = CountingFile(bytes(data))
    meta = inspect_seekable(source, size)
    print(f"{MAX_ENTRIES} entries over {size >> 20} MiB: {source.bytes_read} bytes read")
    assert ("Device maker", "Cam") in meta.fields and meta.incomplete
    # The type, the header, the count and entries, and MAX_REPEATS values of
    # each of the three tags, of at most 256 bytes.
    values = MAX_REPEATS * 3 * 256
    assert source.bytes_read <= TYPE_PREFIX_BYTES + 16 + 2 + MAX_ENTRIES * 12 + values


@pytest.mark.parametrize(
    ("record", "fields", "complete"),
    [
        pytest.param(TIFF_IPTC, [("Author", "Wang Fang"), ("Place", "Lyon")], True, id="good"),
        pytest.param(TIFF_IPTC + b"\x00\x00\x00", [("Author", "Wang Fang"), ("Place", "Lyon")],
                     True, id="good-padded-to-longs"),
        pytest.param(b"\x1c\x02\x65\x00\x07M\xfcnchen", [("Place", "München")], True,
                     id="good-latin-1"),
        pytest.param(b"\x1c\x02\x50\x80\x04\x00\x01\x00\x00" + b"x" * 64, [], False,
                     id="fail-extended-length"),
        pytest.param(b"\x1c\x02\x50\x7f\x00Wang", [("Author", "Wang")], False,
                     id="fail-length-past-end"),
        pytest.param(b"\x1c\x02\x50\x00\x09Wang Fang\x1c\x02\x5a\x00\x10Ly",
                     [("Author", "Wang Fang"), ("Place", "Ly")], False, id="fail-cut-short"),
        pytest.param(TIFF_IPTC + b"junk", [("Author", "Wang Fang"), ("Place", "Lyon")], False,
                     id="fail-junk-after"),
        pytest.param(b"\x1c\x01\x00\x00\x00" * MAX_DATASETS + TIFF_IPTC, [], False,
                     id="fail-more-datasets-than-read"),
    ],
)
def test_an_iptc_record_reads_what_it_can(
    record: bytes, fields: list[tuple[str, str]], complete: bool
) -> None:
    reading = read_iptc(record)
    assert (reading.fields, reading.complete) == (fields, complete)


def test_every_cut_of_a_tiff_inspects_without_raising() -> None:
    for photo in (tiff_photo(), tiff_photo_laid_out(big_endian=False, big_tiff=True)):
        for cut in range(4, len(photo), 37):
            meta = inspect(photo[:cut])
            assert meta.detected_type == "image/tiff"
            assert all(label and value for label, value in meta.fields)


@pytest.mark.parametrize(("big_endian", "big_tiff"), [(True, False), (False, True)],
                         ids=["big-endian", "bigtiff"])
def test_each_layout_is_copied_without_its_metadata(
    big_endian: bool, big_tiff: bool, tmp_path: Path
) -> None:
    photo = tiff_photo_laid_out(big_endian=big_endian, big_tiff=big_tiff)
    clean = strip_image_metadata(photo, detect_type(photo))
    assert any(entry.startswith("location: EXIF GPS") for entry in clean.removed)
    tags = exiftool_tags(clean.data, tmp_path, "copy.tif")
    assert tags["File:FileType"] == "TIFF"
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key
                or "Serial" in key or key.startswith("XMP")]
