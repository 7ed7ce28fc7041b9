"""What attachments' own metadata reveals, detected from their bytes."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest

from review.casefile.attachment_metadata import MAX_FIELDS, detect_type, element_text, inspect


def test_jpeg_gps_and_device(jpeg_with_gps: bytes) -> None:
    meta = inspect(jpeg_with_gps)
    fields = dict(meta.fields)
    assert meta.detected_type == "image/jpeg"
    assert fields["GPS location"] == "48.85800, 2.29450"
    assert fields["Device model"] == "iPhone 15"
    assert meta.warnings == ["location", "identity"]


def test_jpeg_without_exif_has_no_warning() -> None:
    meta = inspect(b"\xff\xd8\xff\xe0\x00\x04JF\xff\xda\x00\x02" + b"\x00" * 8)
    assert (meta.fields, meta.warnings) == ([], [])


def test_truncated_exif_does_not_crash(jpeg_with_gps: bytes) -> None:
    for cut in range(4, len(jpeg_with_gps), 7):
        inspect(jpeg_with_gps[:cut])


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_text_chunks() -> None:
    png = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"tEXt", b"Author\x00Wang Wei")
           + _png_chunk(b"IEND", b""))
    meta = inspect(png)
    assert ("PNG text: Author", "Wang Wei") in meta.fields
    assert meta.warnings == []


def test_png_text_is_capped_and_cannot_fake_a_warning() -> None:
    chunks = [_png_chunk(b"tEXt", b"GPS location\x00somewhere")]
    chunks += [_png_chunk(b"tEXt", b"K" * 500 + b"\x00v%d" % i) for i in range(1000)]
    meta = inspect(b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _png_chunk(b"IEND", b""))
    assert meta.fields[0] == ("PNG text: GPS location", "somewhere")
    assert "location" not in meta.warnings
    assert len(meta.fields) == MAX_FIELDS and meta.incomplete
    assert all(len(label) <= 79 for label, _ in meta.fields)


def test_pdf_author() -> None:
    pdf = b"%PDF-1.7\n1 0 obj << /Author (Li Ming) /Producer (Word 2019) >> endobj\n%%EOF"
    meta = inspect(pdf)
    assert ("Author", "Li Ming") in meta.fields
    assert ("Software", "Word 2019") in meta.fields
    assert meta.warnings == ["identity"]


def test_docx_core_properties() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docProps/core.xml",
                         '<cp:coreProperties><dc:creator>Zhang San</dc:creator>'
                         '<cp:lastModifiedBy>Officer 7</cp:lastModifiedBy></cp:coreProperties>')
    meta = inspect(buffer.getvalue())
    assert ("Author", "Zhang San") in meta.fields
    assert ("Last modified by", "Officer 7") in meta.fields


def test_type_comes_from_bytes_not_claims() -> None:
    assert detect_type(b"<svg onload=alert(1)>") == "application/octet-stream"
    assert detect_type(b"GIF89a...") == "image/gif"


def _zip(body: bytes, *, flag: int = 0, method: int | None = None, corrupt: bool = False) -> bytes:
    """A docx-like zip whose one member's header is patched into something hostile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("docProps/core.xml", body)
    data = bytearray(buffer.getvalue())
    central = data.rfind(b"PK\x01\x02")
    if flag:
        struct.pack_into("<H", data, 6, flag)
        struct.pack_into("<H", data, central + 8, flag)
    if method is not None:
        struct.pack_into("<H", data, 8, method)
        struct.pack_into("<H", data, central + 10, method)
    if corrupt:
        data[30 + len("docProps/core.xml")] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param({"flag": 1}, id="encrypted-member"),
        pytest.param({"method": 99}, id="unknown-compression"),
        pytest.param({"corrupt": True}, id="corrupt-deflate"),
    ],
)
def test_hostile_archive_members_read_as_unreadable(hostile: dict[str, int]) -> None:
    meta = inspect(_zip(b"<dc:creator>Jane</dc:creator>", **hostile))
    assert ("Note", "unreadable archive member docProps/core.xml") in meta.fields


def test_truncated_archive_reads_as_unreadable() -> None:
    data = _zip(b"<dc:creator>Jane</dc:creator>")
    assert ("Note", "unreadable archive") in inspect(data[: len(data) - 10]).fields


def test_office_xml_scan_is_linear() -> None:
    # Quadratic backtracking took over a minute on this 256 KiB core.xml.
    hostile = b"<dc:creator " * (256 * 1024 // 12)
    started = time.perf_counter()
    meta = inspect(_zip(hostile))
    assert time.perf_counter() - started < 1.0
    assert not [label for label, _ in meta.fields if label == "Author"]


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ('<dc:creator xml:lang="zh">王伟</dc:creator>', "王伟"),
        ("<dc:creatorX>no</dc:creatorX><dc:creator>yes</dc:creator>", "yes"),
        ("<dc:creator/><dc:creator>later</dc:creator>", "later"),
        ("<dc:creator>" + "x" * 301 + "</dc:creator>", None),
        ("<dc:creator", None),
    ],
)
def test_element_text(xml: str, expected: str | None) -> None:
    assert element_text(xml, "dc:creator") == expected


def test_time_budget_stops_parsing(jpeg_with_gps: bytes) -> None:
    meta = inspect(jpeg_with_gps, budget_seconds=-1.0)
    assert meta.incomplete and meta.fields == []
