"""HEIC and WebP photos' EXIF and XMP, PDFs' XMP: as exiftool reads them; hostile ones bounded."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pillow_heif
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from review.casefile.attachment_metadata import (
    MAX_HEIF_IMAGES,
    UNREADABLE_METADATA,
    UNREADABLE_XMP,
    detect_type,
    inspect,
)
from review.casefile.xmp import MAX_XMP_BYTES, read_xmp
from tests.fuzzing import fuzz
from tests.review.large_attachments import PdfWriter
from tests.review.metadata_samples import (
    DOCUMENT_XMP,
    DOCUMENT_XMP_FIELDS,
    HEIC_FIELDS,
    PHOTO_XMP,
    digits,
    exiftool_tags,
    heic_photo,
    jpeg_photo,
    pdf_with_xmp,
    photo_exif,
    webp_photo,
    xmp_packet,
)

UNREADABLE = ("Note", UNREADABLE_METADATA)
XMP_CUT = ("Note", UNREADABLE_XMP)
INFO = (b"<< /Author (Li Wei) /Producer (LibreOffice 24.2) "
        b"/CreationDate (D:20261201190839+08'00') >>")

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1
                                                             else b"&lol;") * 10)
                             for n in range(1, 10))
                  + b']><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
                  b'1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/'
                  b'elements/1.1/" dc:creator="&lol9;"/></rdf:RDF></x:xmpmeta>')
EXTERNAL_ENTITY = (b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
                   b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
                   b'1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/'
                   b'elements/1.1/"><dc:creator>&secret;</dc:creator></rdf:Description>'
                   b"</rdf:RDF></x:xmpmeta>")


def test_heic_is_detected_from_its_brand() -> None:
    photo = heic_photo()
    assert detect_type(photo) == "image/heic"
    assert detect_type(b"\x00\x00\x00\x18ftypmif1" + b"\x00" * 12) == "image/heif"
    # An MP4 is an ISO media file too, but no HEIF brand: not parsed as one.
    assert detect_type(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12) == "application/octet-stream"


def test_a_heic_photo_shows_what_exiftool_reads(tmp_path: Path) -> None:
    photo = heic_photo(xmp=PHOTO_XMP)
    meta = inspect(photo)
    tags = exiftool_tags(photo, tmp_path, "photo.heic")
    assert tags["File:FileType"] == "HEIC"
    fields = dict(meta.fields)
    assert fields["Device maker"] == tags["IFD0:Make"]
    assert fields["Device model"] == tags["IFD0:Model"]
    assert fields["Lens model"] == tags["ExifIFD:LensModel"]
    assert digits(fields["Taken"]) == digits(tags["ExifIFD:DateTimeOriginal"])
    latitude, longitude = (float(part) for part in fields["GPS location"].split(", "))
    assert latitude == pytest.approx(tags["GPS:GPSLatitude"], abs=1e-5)
    assert longitude == pytest.approx(tags["GPS:GPSLongitude"], abs=1e-5)
    # The XMP beside the EXIF: a place and a person.
    assert fields["Place"] == tags["XMP-photoshop:City"] == "Paris"
    assert [fields["Author"]] == tags["XMP-dc:Creator"]
    assert meta.fields == [*HEIC_FIELDS, ("Place", "Paris"), ("Author", "Li Wei")]
    assert (meta.warnings, meta.incomplete) == (["location", "identity"], False)


def test_the_same_exif_shows_the_same_fields_in_a_heic_and_a_jpeg() -> None:
    assert inspect(heic_photo()).fields == inspect(jpeg_photo()).fields == HEIC_FIELDS


def test_a_webp_photo_shows_what_exiftool_reads(tmp_path: Path) -> None:
    photo = webp_photo(xmp=PHOTO_XMP)
    meta = inspect(photo)
    tags = exiftool_tags(photo, tmp_path, "photo.webp")
    fields = dict(meta.fields)
    assert fields["Device model"] == tags["IFD0:Model"]
    latitude, longitude = (float(part) for part in fields["GPS location"].split(", "))
    assert latitude == pytest.approx(tags["GPS:GPSLatitude"], abs=1e-5)
    assert longitude == pytest.approx(tags["GPS:GPSLongitude"], abs=1e-5)
    assert fields["Place"] == tags["XMP-photoshop:City"]
    assert meta.fields == [*HEIC_FIELDS, ("Place", "Paris"), ("Author", "Li Wei")]
    assert (meta.warnings, meta.incomplete) == (["location", "identity"], False)


def test_a_damaged_webp_inspects_without_raising() -> None:
    photo = webp_photo(xmp=PHOTO_XMP)
    for cut in range(0, len(photo), 23):
        inspect(photo[:cut])
    # A chunk claiming 4 GiB: the walk ends at the file's end, having read nothing past it.
    claim = photo[:12] + b"VP8 \xff\xff\xff\xff" + photo[20:]
    assert inspect(claim).fields == []
    # Thousands of empty chunks before the metadata: the walk stops at its bound.
    padded = photo[:12] + b"JUNK\x00\x00\x00\x00" * 5000 + photo[12:]
    assert inspect(padded).incomplete


def test_a_heic_without_metadata_shows_none() -> None:
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "HEIF")
    meta = inspect(out.getvalue())
    assert (meta.detected_type, meta.fields, meta.warnings, meta.incomplete) == (
        "image/heic", [], [], False)


@pytest.mark.parametrize("images", [MAX_HEIF_IMAGES, MAX_HEIF_IMAGES + 1])
def test_a_heif_with_more_images_than_are_read_says_its_reading_is_incomplete(
    images: int,
) -> None:
    """The last image carries the GPS: read, it warns; past the bound, the reading is
    incomplete rather than silently clean."""
    heif = pillow_heif.HeifFile()
    for index in range(images):
        added = heif.add_from_pillow(Image.new("RGB", (16, 16), (index, 0, 0)))
        if index == images - 1:
            added.info["exif"] = photo_exif().tobytes()
    out = io.BytesIO()
    heif.save(out, quality=50)
    meta = inspect(out.getvalue())
    if images <= MAX_HEIF_IMAGES:
        assert "location" in meta.warnings and not meta.incomplete
    else:
        assert meta.incomplete


def _heif_garbage() -> list[bytes]:
    photo = heic_photo(xmp=PHOTO_XMP)
    ftyp = photo[: int.from_bytes(photo[:4], "big")]
    return [
        ftyp,  # nothing after the file type box
        ftyp + b"\xff" * 4096,
        ftyp + b"\x00\x00\x00\x10meta\x00\x00\x00\x00" + b"\x00" * 64,
        # A meta box claiming 4 GiB, and one claiming a 64-bit size.
        ftyp + b"\xff\xff\xff\xffmeta" + b"\x00" * 256,
        ftyp + b"\x00\x00\x00\x01meta\xff\xff\xff\xff\xff\xff\xff\xff" + b"\x00" * 256,
        photo[:-100],  # the image data cut short: the metadata items may still be read
        photo[: len(photo) // 2],
    ]


@pytest.mark.parametrize("data", _heif_garbage(),
                         ids=["ftyp-only", "garbage", "empty-meta", "huge-meta", "huge-meta-64",
                              "cut-end", "cut-half"])
def test_a_damaged_heic_says_its_metadata_could_not_be_read(data: bytes) -> None:
    meta = inspect(data)
    assert meta.detected_type == "image/heic"
    # Either libheif read the boxes (then what they say is shown), or the page says it could not.
    if UNREADABLE in meta.fields:
        assert meta.incomplete
    else:
        assert meta.fields


def test_every_cut_of_a_heic_inspects_without_raising() -> None:
    photo = heic_photo(xmp=PHOTO_XMP)
    for cut in range(12, len(photo), 97):
        meta = inspect(photo[:cut])
        # libheif checks every item's extent against the file's end, so a cut
        # file is refused whole: the page says so rather than showing nothing.
        assert (meta.fields, meta.incomplete) == ([UNREADABLE], True), cut


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "flate"])
def test_a_pdfs_xmp_shows_what_exiftool_reads(compress: bool, tmp_path: Path) -> None:
    pdf = pdf_with_xmp(DOCUMENT_XMP, compress=compress)
    if compress:
        assert b"Zhang San" not in pdf  # invisible to a scan of the bytes
    meta = inspect(pdf)
    assert meta.fields == DOCUMENT_XMP_FIELDS
    assert meta.warnings == ["location", "identity"]
    tags = exiftool_tags(pdf, tmp_path, "letter.pdf")
    fields = dict(meta.fields)
    assert fields["Author"].split("; ") == tags["XMP-dc:Creator"]
    assert fields["Creator"] == tags["XMP-xmp:CreatorTool"]
    assert fields["Software"] == tags["XMP-pdf:Producer"]
    assert fields["Place"] == tags["XMP-photoshop:City"]
    assert digits(fields["Created"]) == digits(tags["XMP-xmp:CreateDate"])
    # exiftool writes UTC as Z, the page as +00:00.
    assert digits(fields["Modified"]) == digits(tags["XMP-xmp:ModifyDate"]) + "0000"


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "flate"])
def test_an_xmp_stream_with_an_indirect_length_is_read(compress: bool) -> None:
    body = zlib.compress(DOCUMENT_XMP) if compress else DOCUMENT_XMP
    pdf = PdfWriter()
    pdf.add(1, b"<< /Type /Catalog /Metadata 2 0 R >>")
    pdf.add(2, b"<< /Type /Metadata /Subtype /XML%s /Length 3 0 R >>\nstream\n"
            % (b" /Filter /FlateDecode" if compress else b"") + body + b"\nendstream")
    pdf.add(3, b"%d" % len(body))
    pdf.classic_xref(b"<< /Size 4 /Root 1 0 R >>", [1, 2, 3])
    meta = inspect(bytes(pdf.data))
    assert (meta.fields, meta.incomplete) == (DOCUMENT_XMP_FIELDS, False)


def test_what_info_and_xmp_both_say_is_shown_once() -> None:
    meta = inspect(pdf_with_xmp(DOCUMENT_XMP, info=INFO))
    assert meta.fields == [("Author", "Li Wei"), ("Software", "LibreOffice 24.2"),
                           ("Created", "2026-12-01 19:08:39 +08:00"),
                           ("Author", "Li Wei; Zhang San"), ("Creator", "Writer 24.2"),
                           ("Modified", "2026-12-01 20:00:00 +00:00"), ("Place", "Lyon")]


def test_an_xmp_an_incremental_update_replaced_is_still_shown() -> None:
    pdf = PdfWriter()
    pdf.data = bytearray(pdf_with_xmp(DOCUMENT_XMP))
    first_xref = int(pdf.data[pdf.data.rindex(b"startxref") + 10 :].split()[0])
    anonymous = xmp_packet("<dc:creator><rdf:Seq><rdf:li>Anonymous</rdf:li></rdf:Seq>"
                           "</dc:creator>")
    pdf.add(5, b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(anonymous)
            + anonymous + b"\nendstream")
    pdf.add(6, b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>")
    pdf.classic_xref(b"<< /Size 7 /Root 6 0 R /Prev %d >>" % first_xref, [5, 6])
    meta = inspect(bytes(pdf.data))
    assert ("Author", "Anonymous") in meta.fields
    assert ("Author", "Li Wei; Zhang San") in meta.fields
    assert not meta.incomplete


def test_a_pdf_whose_cross_references_mislead_has_its_xmp_found_by_a_scan() -> None:
    pdf = pdf_with_xmp(DOCUMENT_XMP, info=INFO)
    damaged = pdf[: pdf.rindex(b"startxref")] + b"%%EOF\n"
    meta = inspect(damaged)
    assert ("Author", "Li Wei; Zhang San") in meta.fields
    assert ("Place", "Lyon") in meta.fields


@pytest.mark.parametrize("packet", [BILLION_LAUGHS, EXTERNAL_ENTITY],
                         ids=["billion-laughs", "external-entity"])
def test_a_dtd_is_refused_before_any_entity_is_expanded(packet: bytes) -> None:
    reading = read_xmp(packet)
    assert (reading.fields, reading.complete) == ([], False)
    # In a PDF with an Info dictionary: the Info is still shown, the XMP said to be unreadable.
    meta = inspect(pdf_with_xmp(packet, info=INFO))
    assert meta.fields[:2] == [("Author", "Li Wei"), ("Software", "LibreOffice 24.2")]
    assert XMP_CUT in meta.fields and meta.incomplete
    assert not any("lol" in value or "root:" in value for _, value in meta.fields)


def test_a_dtd_in_a_heics_xmp_is_refused_and_its_exif_still_shown() -> None:
    meta = inspect(heic_photo(xmp=BILLION_LAUGHS))
    assert meta.fields == [*HEIC_FIELDS, XMP_CUT]
    assert meta.warnings == ["location", "identity"] and meta.incomplete


def test_an_undeclared_entity_is_an_error_not_an_expansion() -> None:
    reading = read_xmp(xmp_packet('<dc:creator>&lol9;</dc:creator>'))
    assert (reading.fields, reading.complete) == ([], False)


@pytest.mark.parametrize("encoding", ["bogus", "rot13", "punycode", "idna", "utf-7", "UTF-8"])
def test_a_declared_encoding_never_reaches_pythons_codecs(encoding: str) -> None:
    # expat used to hand the name to Python's codecs: LookupError, ValueError, UnicodeError.
    declared = (b'<?xml version="1.0" encoding="%s"?>' % encoding.encode()
                + xmp_packet("<dc:creator>Li Wei</dc:creator>").split(b"?>", 1)[1])
    assert read_xmp(declared).fields == [("Author", "Li Wei")]
    meta = inspect(pdf_with_xmp(declared))
    assert meta.fields == [("Author", "Li Wei")]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_xmp_in_each_unicode_encoding_is_read(codec: str) -> None:
    packet = xmp_packet("<dc:creator>李伟</dc:creator>").decode("utf-8").lstrip("\ufeff")
    assert read_xmp(packet.encode(codec)).fields == [("Author", "李伟")]


def test_a_huge_xmp_is_read_to_its_bound() -> None:
    padding = "<dc:description>" + "x" * 1000 + "</dc:description>"
    huge = xmp_packet("<dc:creator>Li Wei</dc:creator>", padding * 4096)
    assert len(huge) > 16 * MAX_XMP_BYTES
    reading = read_xmp(huge)
    assert (reading.fields, reading.complete) == ([("Author", "Li Wei")], False)
    meta = inspect(pdf_with_xmp(huge))
    assert meta.fields == [("Author", "Li Wei"), XMP_CUT] and meta.incomplete


def test_a_compressed_xmp_bomb_inflates_no_further_than_the_bound() -> None:
    bomb = zlib.compress(xmp_packet("<dc:creator>Li Wei</dc:creator>")[:-20]
                         + b" " * (64 << 20), 9)
    pdf = PdfWriter()
    pdf.add(1, b"<< /Type /Catalog /Metadata 2 0 R >>")
    pdf.add(2, b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb) + bomb
            + b"\nendstream")
    pdf.classic_xref(b"<< /Size 3 /Root 1 0 R >>", [1, 2])
    meta = inspect(bytes(pdf.data))
    assert meta.fields == [("Author", "Li Wei"), XMP_CUT]


def test_a_malformed_xmp_keeps_what_came_before_the_error() -> None:
    broken = xmp_packet("<xmp:CreatorTool>Writer 24.2</xmp:CreatorTool>", "<dc:creator><oops>")
    meta = inspect(pdf_with_xmp(broken))
    assert meta.fields == [("Creator", "Writer 24.2"), XMP_CUT]


def test_properties_are_known_by_namespace_not_by_prefix() -> None:
    renamed = xmp_packet('<who:creator>Li Wei</who:creator>',
                         '<dc:rights>not the Dublin Core</dc:rights>',
                         namespaces='xmlns:who="http://purl.org/dc/elements/1.1/"')
    # A file binding dc: to another namespace is not read as Dublin Core.
    renamed = renamed.replace(b'xmlns:dc="http://purl.org/dc/elements/1.1/"',
                              b'xmlns:dc="urn:example:not-dc"')
    assert read_xmp(renamed).fields == [("Author", "Li Wei")]


def test_xmp_gps_coordinates_read_as_a_location(tmp_path: Path) -> None:
    packet = xmp_packet("<exif:GPSLatitude>48,51.498N</exif:GPSLatitude>",
                        "<exif:GPSLongitude>2,17.67E</exif:GPSLongitude>")
    pdf = pdf_with_xmp(packet)
    meta = inspect(pdf)
    assert meta.fields == [("GPS location", "48.85830, 2.29450")]
    assert meta.warnings == ["location"]
    tags = exiftool_tags(pdf, tmp_path, "map.pdf")
    latitude, longitude = (float(part) for part in dict(meta.fields)["GPS location"].split(", "))
    assert latitude == pytest.approx(tags["XMP-exif:GPSLatitude"], abs=1e-5)
    assert longitude == pytest.approx(tags["XMP-exif:GPSLongitude"], abs=1e-5)


def test_an_xmp_coordinate_in_another_form_still_warns() -> None:
    reading = read_xmp(xmp_packet('<exif:GPSLatitude>somewhere</exif:GPSLatitude>'))
    assert reading.fields == [("GPS location", "somewhere, ?")]


@st.composite
def _damaged_packet(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from([DOCUMENT_XMP, PHOTO_XMP, BILLION_LAUGHS])))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data) - 1))
        patch = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
            [b"<", b">", b"</", b"&", b"&amp;", b"<!DOCTYPE x>", b"<rdf:li>", b'"', b"\x00"]))
        data[position : position + len(patch)] = patch
    return bytes(data)


@fuzz()
@given(_damaged_packet() | st.binary(max_size=512))
def test_any_packet_reads_without_raising(packet: bytes) -> None:
    reading = read_xmp(packet)
    assert all(label and value for label, value in reading.fields)
