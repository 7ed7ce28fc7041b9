"""Inspecting a 25 MiB photo or document decrypts its metadata, not its megabytes of image data."""

from __future__ import annotations

import zlib

import pytest

from review.casefile.attachment_metadata import MAX_FIELDS, inspect
from review.casefile.png_chunks import TAIL_WINDOW
from tests.review.large_attachments import (
    PdfWriter,
    inspect_encrypted,
    large_jpeg,
    large_pdf,
    large_png,
    png_chunk,
)

LARGE = 25 << 20
KIB = 1024
# The age header, the final chunk (opened to prove the size) and a chunk or
# two of metadata: a JPEG's segments, a PDF's trailer, section and Info object,
# and its catalog and XMP stream (one more chunk when the catalog opens the file).
JPEG_BUDGET = 200 * KIB
PDF_BUDGET = 400 * KIB
# A PNG also reads its tail window, for text written after the image data.
PNG_BUDGET = TAIL_WINDOW + 200 * KIB
INFO = (b"<< /Author (Li Ming) /Producer (Word 2019) "
        b"/CreationDate (D:20261201190839+00'00') >>")
INFO_FIELDS = [("Author", "Li Ming"), ("Software", "Word 2019"),
               ("Created", "2026-12-01 19:08:39 +00:00")]


def test_a_large_jpeg_is_read_up_to_its_image_data(jpeg_with_gps: bytes) -> None:
    meta, decrypted = inspect_encrypted(large_jpeg(LARGE))
    assert meta.fields == inspect(jpeg_with_gps).fields
    assert meta.warnings == ["location", "identity"]
    assert decrypted < JPEG_BUDGET


@pytest.mark.parametrize("idat", [8192, 65536, LARGE])
def test_a_large_png_has_its_text_read_before_and_after_its_image_data(idat: int) -> None:
    png = large_png(LARGE, idat=idat,
                    before=[png_chunk(b"tEXt", b"Author\x00Wang Wei")],
                    after=[png_chunk(b"tEXt", b"date:modify\x002026-11-30T08:15:00+08:00")])
    meta, decrypted = inspect_encrypted(png)
    assert meta.fields == [("PNG text: Author", "Wang Wei"),
                           ("PNG text: date:modify", "2026-11-30T08:15:00+08:00")]
    assert not meta.incomplete
    assert decrypted < PNG_BUDGET


def test_a_png_whose_tail_does_not_chain_to_its_end_is_walked_chunk_by_chunk() -> None:
    after = [png_chunk(b"tEXt", b"Comment\x00after the image")]
    png = large_png(1 << 20, before=[], after=after)
    # Bytes after IEND: the tail shows no chain ending the file, the walk still finds the text.
    meta, _ = inspect_encrypted(png + b"trailing bytes")
    assert meta.fields == [("PNG text: Comment", "after the image")]
    # A CRC that does not match: likewise.
    damaged = bytearray(png)
    damaged[-len(after[0]) - 12 - 1] ^= 0x01
    meta, _ = inspect_encrypted(bytes(damaged))
    assert meta.fields == [("PNG text: Comment", "after the image")]


def test_a_tail_of_idat_lookalikes_costs_bounded_work() -> None:
    # Every 12 bytes of the image data spell IDAT: each is a candidate chain start.
    lookalike = b"\x00\x00\x00\x00IDAT\x00\x00\x00\x00" * (LARGE // 12 // 8)
    png = large_png(len(lookalike), idat=len(lookalike), before=[],
                    after=[png_chunk(b"tEXt", b"Comment\x00real")])
    png = png.replace(b"\x78" * len(lookalike), lookalike)
    meta, decrypted = inspect_encrypted(png)
    assert ("PNG text: Comment", "real") in meta.fields
    assert decrypted < PNG_BUDGET


def test_the_png_field_cap_holds_after_the_image_data() -> None:
    after = [png_chunk(b"tEXt", b"K%d\x00v" % n) for n in range(MAX_FIELDS + 10)]
    meta, _ = inspect_encrypted(large_png(LARGE, before=[], after=after))
    assert len(meta.fields) == MAX_FIELDS and meta.incomplete


def test_a_large_pdf_is_read_from_its_trailer_and_info_object() -> None:
    meta, decrypted = inspect_encrypted(large_pdf(LARGE, info=INFO))
    assert meta.fields == INFO_FIELDS
    assert meta.warnings == ["identity"]
    assert decrypted < PDF_BUDGET


def test_an_author_an_incremental_update_replaced_is_still_shown() -> None:
    # The update's Info has another author; the original's is still in the
    # file, where anyone can read it: the page shows what comes first.
    pdf = PdfWriter()
    pdf.data = bytearray(large_pdf(LARGE, info=INFO))
    first_xref = int(pdf.data[pdf.data.rindex(b"startxref") + 10 :].split()[0])
    pdf.add(6, b"<< /Author (Anonymous) /ModDate (D:20261202) >>")
    pdf.classic_xref(b"<< /Size 7 /Root 1 0 R /Info 6 0 R /Prev %d >>" % first_xref, [6])
    meta, decrypted = inspect_encrypted(bytes(pdf.data))
    assert meta.fields == [*INFO_FIELDS, ("Modified", "2026-12-02")]
    assert decrypted < PDF_BUDGET


def test_an_info_dictionary_in_an_object_stream_is_found() -> None:
    pdf = PdfWriter()
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    pdf.add(3, b"<< /Length %d >>\nstream\n" % LARGE + b"\x00" * LARGE + b"\nendstream")
    members = b"5 0 " + INFO
    packed = zlib.compress(members)
    pdf.add(4, b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(packed) + packed + b"\nendstream")
    rows = {0: (0, 0, 0xFFFF)} | {n: (1, pdf.offsets[n], 0) for n in (1, 2, 3, 4)}
    rows[5] = (2, 4, 0)
    pdf.xref_stream(6, b"<< /Root 1 0 R /Info 5 0 R >>", rows)
    data = bytes(pdf.data)
    # Compressed, the dictionary is invisible to a scan of the file's bytes.
    assert INFO not in data
    meta, decrypted = inspect_encrypted(data)
    assert meta.fields == INFO_FIELDS
    assert decrypted < PDF_BUDGET


def test_a_hybrid_files_stream_section_is_followed() -> None:
    # Classic cross-references for readers of PDF 1.4, a stream (/XRefStm) for the rest.
    pdf = PdfWriter()
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [] /Count 0 >>")
    pdf.add(3, b"<< /Length %d >>\nstream\n" % LARGE + b"\x00" * LARGE + b"\nendstream")
    pdf.add(4, b"<< >>")
    pdf.add(5, INFO)
    stream = pdf.xref_stream(6, b"<< >>", {5: (1, pdf.offsets[5], 0)}, last=False)
    pdf.classic_xref(b"<< /Size 7 /Root 1 0 R /Info 5 0 R /XRefStm %d >>" % stream, [1, 2, 3, 4])
    meta, decrypted = inspect_encrypted(bytes(pdf.data))
    assert meta.fields == INFO_FIELDS
    assert decrypted < PDF_BUDGET


@pytest.mark.parametrize("damage", ["offset", "startxref", "no trailer"])
def test_a_pdf_whose_cross_references_mislead_is_scanned_whole(damage: str) -> None:
    data = large_pdf(1 << 20, info=INFO)
    if damage == "offset":  # the Info object's entry points a few bytes off
        entry = data.rindex(b" 00000 n") - 10
        wrong = b"%010d" % (int(data[entry : entry + 10]) + 3)
        data = data[:entry] + wrong + data[entry + 10 :]
    elif damage == "startxref":
        data = data[: data.rindex(b"startxref")] + b"%%EOF\n"
    else:
        data = data.replace(b"trailer", b"nothing")
    meta, _ = inspect_encrypted(data)
    assert meta.fields == INFO_FIELDS


def test_a_pdf_whose_sections_loop_is_not_followed_forever() -> None:
    data = large_pdf(1 << 20, info=b"<< /Author (Li) >>")
    start = int(data[data.rindex(b"startxref") + 10 :].split()[0])
    looped = data.replace(b"/Info 5 0 R >>", b"/Info 5 0 R /Prev %d >>" % start)
    meta, _ = inspect_encrypted(looped)
    assert meta.fields == [("Author", "Li")]
