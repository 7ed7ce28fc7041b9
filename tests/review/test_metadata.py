"""What attachments' own metadata reveals, detected from their bytes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from review.metadata import detect_type, inspect


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
    assert ("Author", "Wang Wei") in meta.fields
    assert meta.warnings == ["identity"]


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
