"""Fuzzing the random-access parsers: any damage to a photo's or document's structure inspects.

The JPEG, PNG, WebP, PDF, HEIC and TIFF parsers follow lengths and offsets the file gives
(segment lengths, chunk lengths, startxref, cross-reference entries, object
streams, catalogs and their Metadata streams, RIFF chunks, HEIF boxes, IFD
entries, counts and next-IFD chains, maker notes, Photoshop resources and the
EXIF among them, compressed text and raw profiles), and parse XMP as
XML. Whatever a reporter writes there, inspecting returns what it found,
within the field cap, and never raises: the case page must always render.
"""

from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from review.casefile.attachment_metadata import MAX_FIELDS, inspect
from tests.fuzzing import fuzz
from tests.review import photos
from tests.review.large_attachments import PdfWriter, large_jpeg, large_pdf, large_png, png_chunk
from tests.review.metadata_samples import (
    DOCUMENT_XMP,
    PHOTO_XMP,
    heic_photo,
    jpeg_with_maker_note,
    jpeg_with_photoshop,
    pdf_with_xmp,
    photoshop_block,
    png_with_chunks,
    raw_profile_text,
    tiff_photo,
    tiff_photo_laid_out,
    tiff_with_photoshop,
    webp_photo,
)
from tests.review.tiff_builder import gps, pointer, text, tiff

INFO = b"<< /Author (Li Ming) /Producer (Word 2019) >>"
# EXIF among Photoshop's resources, as a TIFF of its own.
PHOTOSHOP_EXIF = photoshop_block(
    0x0422, tiff([text(0x013B, "Tenzin Dorje"), pointer(0x8825, 1)], gps()))


def _object_stream_pdf() -> bytes:
    pdf = PdfWriter()
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    packed = zlib.compress(b"3 0 " + INFO)
    pdf.add(4, b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(packed) + packed + b"\nendstream")
    rows = {0: (0, 0, 0xFFFF), 1: (1, pdf.offsets[1], 0), 2: (1, pdf.offsets[2], 0),
            3: (2, 4, 0), 4: (1, pdf.offsets[4], 0)}
    pdf.xref_stream(5, b"<< /Root 1 0 R /Info 3 0 R >>", rows)
    return bytes(pdf.data)


# Files small enough to fuzz quickly, but laid out as the large ones are: the
# PNG's image data longer than its tail window, the PDF's trailer at its end.
SAMPLES = [
    photos.jpeg_with_gps(),
    large_jpeg(4096),
    large_png(300 * 1024, before=[png_chunk(b"tEXt", b"Author\x00Wang Wei")],
              after=[png_chunk(b"tEXt", b"date:modify\x002026-11-30")]),
    large_pdf(4096, info=INFO),
    _object_stream_pdf(),
    pdf_with_xmp(DOCUMENT_XMP, info=INFO),
    pdf_with_xmp(DOCUMENT_XMP, compress=True),
    heic_photo(xmp=PHOTO_XMP),
    webp_photo(xmp=PHOTO_XMP),
    tiff_photo(),
    tiff_photo_laid_out(big_endian=True, big_tiff=False),
    tiff_photo_laid_out(big_endian=False, big_tiff=True),
    jpeg_with_maker_note(),
    jpeg_with_photoshop(PHOTOSHOP_EXIF),
    tiff_with_photoshop(PHOTOSHOP_EXIF),
    # Compressed text, and ImageMagick's raw profiles of EXIF (compressed) and IPTC.
    png_with_chunks(
        png_chunk(b"zTXt", b"Author\x00\x00" + zlib.compress(b"Wang Wei")),
        png_chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(
            raw_profile_text("exif", b"Exif\x00\x00" + tiff([text(0x013B, "Wang Wei")])))),
        png_chunk(b"tEXt", b"Raw profile type 8bim\x00" + raw_profile_text(
            "8bim", PHOTOSHOP_EXIF))),
]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A sample with bytes overwritten, mostly where its structure is (its start and end)."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        near_end = draw(st.booleans())
        span = min(len(data), 2048)
        offset = draw(st.integers(0, span - 1))
        position = len(data) - 1 - offset if near_end else offset
        patch = draw(st.binary(min_size=1, max_size=16)
                     | st.sampled_from([b"0", b"9999999999", b" R", b"<<", b">>", b"(", b"\\",
                                        b"IDAT", b"IEND", b"xref", b"startxref 0", b"\xff\xda",
                                        b"<!DOCTYPE x>", b"&lol;", b"<x:xmpmeta", b"</",
                                        b"\x00\x00\x00\x01", b"\xff\xff\xff\xff",
                                        b"\x08\x00\x00\x00", b"\x00\x00\x00\x08"]))
        data[position : position + len(patch)] = patch
    if draw(st.booleans()):
        del data[draw(st.integers(1, len(data))) :]
    return bytes(data)


@fuzz()
@given(damaged())
def test_a_damaged_photo_or_document_inspects_without_raising(data: bytes) -> None:
    meta = inspect(data)
    assert len(meta.fields) <= MAX_FIELDS
    assert all(label and value for label, value in meta.fields)
