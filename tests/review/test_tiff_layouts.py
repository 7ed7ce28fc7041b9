"""TIFF layouts that hide a place or a name from a reader that takes shortcuts.

An EXIF blob whose version word is wrong, a decoy entry before the real one,
an IFD named by many pointers, coordinates of an unusual count, SubIFDs: each
is read as exiftool reads it, or the reading says it stopped early, never
silently clean.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from review.casefile.attachment_metadata import (
    MAX_TIFF_IFDS,
    TYPE_PREFIX_BYTES,
    UNREADABLE_METADATA,
    inspect,
    inspect_seekable,
)
from review.casefile.tiff_ifd import MAX_ENTRIES, MAX_REPEATS, MAX_VALUE_BYTES, MAX_VALUE_READS
from review.casefile.xmp import MAX_XMP_BYTES
from tests.review.large_attachments import CountingFile
from tests.review.metadata_samples import (
    TIFF_IPTC,
    TIFF_XMP,
    exiftool_tags,
    photo_exif,
    xmp_packet,
)
from tests.review.tiff_builder import (
    ASCII,
    DOUBLE,
    IFD,
    LONG,
    RATIONAL,
    SLONG,
    SRATIONAL,
    UNDEFINED,
    Entry,
    gps,
    pointer,
    rationals,
    text,
    tiff,
)

UNREADABLE = ("Note", UNREADABLE_METADATA)
EIFFEL = ("GPS location", "48.85830, 2.29450")
MAKE, SERIAL, ARTIST, XMP, IPTC, SUB_IFDS = 0x010F, 0xA431, 0x013B, 700, 33723, 330
EXIF_POINTER, GPS_POINTER, PHOTOSHOP = 0x8769, 0x8825, 34377


def _jpeg(exif: bytes) -> bytes:
    """A JPEG whose APP1 segment holds `exif`."""
    body = b"Exif\x00\x00" + exif
    return (b"\xff\xd8\xff\xe1" + struct.pack(">H", len(body) + 2) + body
            + b"\xff\xda\x00\x02\xff\xd9")


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_an_exif_blob_with_a_wrong_version_word_is_read_as_a_classic_tiff(
    image_format: str
) -> None:
    """exiftool warns of the "invalid magic number" and reads the fields; so does this."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, image_format, exif=photo_exif())
    data = bytearray(out.getvalue())
    header = data.find(b"II*\x00") if b"II*\x00" in data else data.find(b"MM\x00*")
    data[header + 2 : header + 4] = b"\x00\x00"
    meta = inspect(bytes(data))
    assert ("Device maker", "Apple") in meta.fields
    assert ("GPS location", "48.85830, 2.29450") in meta.fields
    assert meta.incomplete is False


@pytest.mark.parametrize(
    "exif",
    [
        pytest.param(b"II*\x00" + struct.pack("<I", 0), id="first-ifd-zero"),
        pytest.param(b"II*\x00" + struct.pack("<I", 4) + b"\x00" * 8, id="first-ifd-in-header"),
        pytest.param(b"II*\x00" + struct.pack("<I", 0xFFFF), id="first-ifd-outside"),
        pytest.param(b"XX*\x00" + struct.pack("<I", 8) + b"\x00" * 6, id="no-byte-order"),
        pytest.param(b"II", id="header-cut"),
    ],
)
def test_an_exif_blob_that_cannot_be_read_says_so(exif: bytes) -> None:
    meta = inspect(_jpeg(exif))
    assert (meta.fields, meta.incomplete) == ([UNREADABLE], True)


@pytest.mark.parametrize("first", [0, 4], ids=["zero", "in-header"])
def test_a_tiff_whose_first_ifd_is_no_ifd_says_so(first: int) -> None:
    meta = inspect(b"II*\x00" + struct.pack("<I", first) + b"\x00" * 16)
    assert (meta.fields, meta.incomplete) == ([UNREADABLE], True)


_EMPTY_XMP = xmp_packet()


def _decoys() -> dict[str, tuple[bytes, list[tuple[str, str]]]]:
    """Each TIFF with a decoy first entry of a tag, and what its real entry says."""
    return {
        "two-gps-pointers": (tiff([pointer(GPS_POINTER, 1), pointer(GPS_POINTER, 2)], [], gps()),
                             [EIFFEL]),
        "two-exif-pointers": (tiff([pointer(EXIF_POINTER, 1), pointer(EXIF_POINTER, 2)], [],
                                   [text(SERIAL, "SN-1234")]),
                              [("Device serial number", "SN-1234")]),
        "make-nul-first": (tiff([(MAKE, ASCII, 1, b"\x00"), text(MAKE, "Canon"),
                                 (ARTIST, ASCII, 1, b"\x00"), text(ARTIST, "Tenzin Dorje")]),
                           [("Device maker", "Canon"), ("Artist", "Tenzin Dorje")]),
        "two-xmp": (tiff([(XMP, UNDEFINED, len(_EMPTY_XMP), _EMPTY_XMP),
                          (XMP, UNDEFINED, len(TIFF_XMP), TIFF_XMP)]),
                    [("Author", "Li Wei"), ("Place", "Paris")]),
        "two-iptc": (tiff([(IPTC, UNDEFINED, 4, b"\x00" * 4),
                           (IPTC, UNDEFINED, len(TIFF_IPTC), TIFF_IPTC)]),
                     [("Author", "Wang Fang"), ("Place", "Lyon")]),
    }


DECOYS = _decoys()


@pytest.mark.parametrize("name", DECOYS)
def test_a_decoy_entry_does_not_hide_the_real_one(name: str, tmp_path: Path) -> None:
    data, fields = DECOYS[name]
    meta = inspect(data)
    assert (meta.fields, meta.incomplete) == (fields, False)
    tags = exiftool_tags(data, tmp_path, "decoy.tif")
    assert any(key.startswith(("GPS:", "ExifIFD:", "IFD0:Make", "XMP-", "IPTC"))
               for key in tags)


def test_more_entries_of_a_tag_than_are_read_say_the_reading_stopped() -> None:
    decoys: list[Entry] = [(MAKE, ASCII, 1, b"\x00")] * MAX_REPEATS
    meta = inspect(tiff([*decoys, text(MAKE, "Canon")]))
    assert (meta.fields, meta.incomplete) == ([], True)


def test_an_ifd_many_pointers_name_is_read_once() -> None:
    """Every page of a chain names the same EXIF and GPS IFDs: each byte is read once."""
    pages = MAX_TIFF_IFDS
    chain = [[text(MAKE, "Cam"), pointer(EXIF_POINTER, pages), pointer(GPS_POINTER, pages + 1)]
             for _ in range(pages)]
    data = tiff(*chain, [text(SERIAL, "SN-1234")], gps(), chain=tuple(range(pages)))
    source = CountingFile(data)
    meta = inspect_seekable(source, len(data))
    assert meta.fields == [("Device maker", "Cam"), ("Device serial number", "SN-1234"), EIFFEL]
    assert meta.incomplete is False
    print(f"{pages} pages naming one EXIF and one GPS IFD: {source.bytes_read} bytes read "
          f"of {len(data)}")
    assert source.bytes_read <= TYPE_PREFIX_BYTES + 16 + len(data)


# A type TIFF 6.0 and BigTIFF do not define: no value is read of it.
UNKNOWN_TYPE = 99


def test_entries_of_a_type_no_value_is_read_of_cost_no_read() -> None:
    """MAX_ENTRIES Make entries of an unknown type pointing all over 4 MiB: none is read."""
    size = 4 << 20
    entries = b"".join(struct.pack("<HHII", MAKE, UNKNOWN_TYPE, 8, size - 8 - index * 4096)
                       for index in range(MAX_ENTRIES))
    header = b"II*\x00" + struct.pack("<IH", 8, MAX_ENTRIES) + entries + struct.pack("<I", 0)
    data = header.ljust(size, b"\x00")
    source = CountingFile(data)
    meta = inspect_seekable(source, size)
    assert (meta.fields, meta.incomplete) == ([], True)
    assert source.bytes_read <= TYPE_PREFIX_BYTES + 16 + len(header)


def test_a_tiff_reads_no_more_values_than_its_bound() -> None:
    """Every page of a chain has nine text tags four times each, every value outside its
    entry: MAX_VALUE_READS of them are read in all, and the reading says it stopped."""
    tags = (0x010F, 0x0110, 0x0131, 0x013B, 0x8298, 0x013C, 0x010E, 0x010D, 0x9003)
    page = [text(tag, "the same value") for _ in range(MAX_REPEATS) for tag in tags]
    pages = MAX_TIFF_IFDS
    data = tiff(*[page] * pages, chain=tuple(range(pages)))
    assert pages * len(page) > MAX_VALUE_READS
    source = CountingFile(data)
    meta = inspect_seekable(source, len(data))
    assert (len(meta.fields), meta.incomplete) == (len(tags), True)
    ifds = pages * (2 + 12 * len(page) + 4)
    value = len("the same value") + 1
    print(f"{pages} pages of {len(page)} values: {source.bytes_read} bytes read")
    assert source.bytes_read <= TYPE_PREFIX_BYTES + 16 + ifds + MAX_VALUE_READS * value


def test_a_tiff_reads_no_more_value_bytes_than_its_bound() -> None:
    """Every page of a chain names four XMP packets of the largest size read: far fewer
    than MAX_VALUE_READS values, far more than MAX_VALUE_BYTES; the reading says it
    stopped once those bytes are read."""
    packet = b"<x:xmpmeta " + b"x" * MAX_XMP_BYTES
    page = [(700, UNDEFINED, len(packet), packet)] * MAX_REPEATS
    pages = MAX_TIFF_IFDS
    data = tiff(*[page] * pages, chain=tuple(range(pages)))
    assert pages * len(page) <= MAX_VALUE_READS
    assert pages * len(page) * (MAX_XMP_BYTES + 1) > 4 * MAX_VALUE_BYTES
    source = CountingFile(data)
    meta = inspect_seekable(source, len(data))
    assert meta.incomplete is True
    ifds = pages * (2 + 12 * len(page) + 4)
    print(f"{pages} pages of {len(page)} XMP packets: {source.bytes_read} bytes read "
          f"of {len(data)}")
    # The read that meets the bound is cut to what it leaves.
    assert source.bytes_read <= TYPE_PREFIX_BYTES + 16 + ifds + MAX_VALUE_BYTES


_LATITUDE = ((48, 1), (51, 1), (2988, 100), (0, 1), (0, 1), (0, 1))


@pytest.mark.parametrize("count", [1, 2, 4, 6])
def test_coordinates_of_any_count_give_the_location_exiftool_gives(
    count: int, tmp_path: Path
) -> None:
    data = tiff([pointer(GPS_POINTER, 1)],
                gps(_LATITUDE[:count], ((2, 1), (17, 1), (4020, 100), (0, 1))[:min(count, 4)]))
    meta = inspect(data)
    tags = exiftool_tags(data, tmp_path, "gps.tif")
    assert len(meta.fields) == 1 and meta.incomplete is False
    label, value = meta.fields[0]
    latitude, longitude = (float(part) for part in value.split(", "))
    assert label == "GPS location"
    assert latitude == pytest.approx(tags["GPS:GPSLatitude"], abs=1e-5)
    assert longitude == pytest.approx(tags["GPS:GPSLongitude"], abs=1e-5)


def _coordinate(tag: int, kind: int, degrees: float, minutes: float, seconds: float) -> Entry:
    if kind == DOUBLE:
        return (tag, kind, 3, struct.pack("<3d", degrees, minutes, seconds))
    return (tag, kind, 3, b"".join(struct.pack("<ii", round(part * 100), 100)
                                   for part in (degrees, minutes, seconds)))


@pytest.mark.parametrize(("kind", "pointer_kind"), [(SRATIONAL, LONG), (DOUBLE, LONG),
                                                    (RATIONAL, SLONG)],
                         ids=["srational", "double", "slong-pointer"])
def test_coordinates_and_pointers_of_other_types_are_read_as_exiftool_reads_them(
    kind: int, pointer_kind: int, tmp_path: Path
) -> None:
    data = tiff([pointer(GPS_POINTER, 1, kind=pointer_kind)],
                [text(1, "N"), _coordinate(2, kind, 48, 51, 29.88), text(3, "E"),
                 _coordinate(4, kind, 2, 17, 40.2)])
    meta = inspect(data)
    assert (meta.fields, meta.incomplete) == ([EIFFEL], False)
    tags = exiftool_tags(data, tmp_path, "types.tif")
    assert tags["GPS:GPSLatitude"] == pytest.approx(48.8583, abs=1e-5)


def test_a_latitude_alone_is_shown_as_a_location() -> None:
    for data in (tiff([pointer(GPS_POINTER, 1)], gps(longitude=None)),
                 _jpeg(tiff([pointer(GPS_POINTER, 1)], gps(longitude=None)))):
        meta = inspect(data)
        assert (meta.fields, meta.warnings, meta.incomplete) == (
            [("GPS location", "48.85830, ?")], ["location"], False)


def test_coordinates_no_location_can_be_built_of_say_the_reading_stopped() -> None:
    meta = inspect(tiff([pointer(GPS_POINTER, 1)], [text(1, "N"), rationals(2), text(3, "E")]))
    assert (meta.fields, meta.incomplete) == ([], True)


@pytest.mark.parametrize("kind", [LONG, IFD], ids=["long", "ifd"])
def test_the_sub_ifds_are_read_as_the_chain_is(kind: int, tmp_path: Path) -> None:
    """A DNG's or a scanner's SubIFDs: the device, author and GPS of each."""
    data = tiff([pointer(SUB_IFDS, 1, 2, kind=kind)],
                [pointer(GPS_POINTER, 3)], [text(MAKE, "SubCam"), text(ARTIST, "Tenzin")], gps())
    meta = inspect(data)
    assert meta.fields == [EIFFEL, ("Device maker", "SubCam"), ("Artist", "Tenzin")]
    assert (meta.warnings, meta.incomplete) == (["location", "identity"], False)
    tags = exiftool_tags(data, tmp_path, "sub.tif")
    assert tags["GPS:GPSLatitude"] == pytest.approx(48.8583, abs=1e-4)


def test_sub_ifds_that_loop_or_run_past_the_bound_say_the_reading_stopped() -> None:
    looping = inspect(tiff([text(MAKE, "Cam"), pointer(SUB_IFDS, 0)]))
    assert (looping.fields, looping.incomplete) == ([("Device maker", "Cam")], True)
    pages = MAX_TIFF_IFDS
    chain = [[pointer(SUB_IFDS, pages)] if page == pages - 1 else [] for page in range(pages)]
    beyond = inspect(tiff(*chain, [text(MAKE, "Cam")], chain=tuple(range(pages))))
    assert (beyond.fields, beyond.incomplete) == ([], True)


def test_the_exif_ifd_is_read_for_the_gps_pointer_and_the_device(tmp_path: Path) -> None:
    data = tiff([pointer(EXIF_POINTER, 1)],
                [text(SERIAL, "SN-1234"), text(MAKE, "Canon"), pointer(GPS_POINTER, 2)], gps())
    meta = inspect(data)
    assert meta.fields == [("Device maker", "Canon"), ("Device serial number", "SN-1234"), EIFFEL]
    assert meta.incomplete is False


def _resource(resource: int, data: bytes, name: bytes = b"") -> bytes:
    """One Photoshop image resource block, its name and data padded to even lengths."""
    pascal = bytes([len(name)]) + name
    return (b"8BIM" + struct.pack(">H", resource) + pascal + b"\x00" * (len(pascal) & 1)
            + struct.pack(">I", len(data)) + data + b"\x00" * (len(data) & 1))


def test_the_iptc_among_photoshop_image_resources_is_read(tmp_path: Path) -> None:
    """The record after another resource with a name, as Photoshop writes them."""
    resources = _resource(0x03ED, b"\x00" * 7, b"res") + _resource(0x0404, TIFF_IPTC)
    data = tiff([text(MAKE, "Cam"), (PHOTOSHOP, UNDEFINED, len(resources), resources)])
    meta = inspect(data)
    assert meta.fields == [("Device maker", "Cam"), ("Author", "Wang Fang"), ("Place", "Lyon")]
    assert meta.incomplete is False
    tags = exiftool_tags(data, tmp_path, "photoshop.tif")
    assert [value for key, value in tags.items() if key.endswith(":By-line")] == ["Wang Fang"]


@pytest.mark.parametrize(
    "resources",
    [
        pytest.param(b"8BIM\x04\x04\x00\x00\x00\x00\xff\xff" + TIFF_IPTC, id="size-past-end"),
        pytest.param(b"8BIM\x04\x04\x00", id="cut-in-header"),
        pytest.param(b"JUNK" + TIFF_IPTC, id="no-signature"),
        pytest.param(_resource(0x03ED, b"") * 256 + _resource(0x0404, TIFF_IPTC),
                     id="more-blocks-than-walked"),
    ],
)
def test_photoshop_image_resources_not_walked_whole_say_the_reading_stopped(
    resources: bytes
) -> None:
    meta = inspect(tiff([text(MAKE, "Cam"), (PHOTOSHOP, UNDEFINED, len(resources), resources)]))
    assert meta.incomplete is True
    assert ("Device maker", "Cam") in meta.fields


def test_the_computer_the_lens_and_the_texts_that_name_a_person_are_shown(
    tmp_path: Path
) -> None:
    author = "Tenzin Dorje".encode("utf-16-le") + b"\x00\x00"
    data = tiff([text(0x010E, "C:\\Users\\tenzin\\scan.tif"), text(0x010D, "/home/tenzin/letter"),
                 text(0x013C, "tenzin-laptop"), pointer(EXIF_POINTER, 1),
                 (0x9C9D, 1, len(author), author)],
                [text(0xA433, "Sigma"), text(0xA435, "LS-9876")])
    meta = inspect(data)
    assert meta.fields == [
        ("Host computer", "tenzin-laptop"), ("Image description", "C:\\Users\\tenzin\\scan.tif"),
        ("Document name", "/home/tenzin/letter"), ("Author", "Tenzin Dorje"),
        ("Lens maker", "Sigma"), ("Lens serial number", "LS-9876")]
    assert (meta.warnings, meta.incomplete) == (["identity"], False)
    tags = exiftool_tags(data, tmp_path, "names.tif")
    assert (tags["IFD0:XPAuthor"], tags["IFD0:HostComputer"], tags["ExifIFD:LensSerialNumber"]) == (
        "Tenzin Dorje", "tenzin-laptop", "LS-9876")
