"""Large JPEG, PNG and PDF files built byte by byte, and what inspecting them decrypts.

Each file is laid out as its writers lay it out (metadata first or in the
trailer, megabytes of image or page data in between), so a test can show that
inspecting it decrypts the metadata and not the rest.
"""

from __future__ import annotations

import io
import struct
import zlib

import keys
from review.casefile.attachment_metadata import FileMetadata, inspect_seekable
from review.casefile.attachments import STREAM_CHUNK
from tests.review import photos


class CountingFile(io.BytesIO):
    """Ciphertext in memory that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = super().readinto(buffer)
        self.bytes_read += count
        return count


def inspect_encrypted(data: bytes) -> tuple[FileMetadata, int]:
    """`data` encrypted to a fresh key, inspected as review/casefile/attachments.py does it.

    Returns the metadata and how many ciphertext bytes were read to find it:
    the seekable reader decrypts exactly what it reads, so that is what the
    inspection cost (the header and final chunk included).
    """
    identity = keys.X25519Identity.generate()
    ciphertext = CountingFile(keys.encrypt(data, recipients=[identity.recipient()]))
    plain = keys.open_seekable(ciphertext, identities=[identity])
    with io.BufferedReader(plain, buffer_size=STREAM_CHUNK) as reader:
        return inspect_seekable(reader, plain.size), ciphertext.bytes_read


def large_jpeg(size: int) -> bytes:
    """The GPS-tagged photo of tests/review/photos.py with `size` bytes of scan data."""
    small = photos.jpeg_with_gps()
    scan = small.index(b"\xff\xda")
    jfif = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return small[:2] + jfif + small[2 : scan + 4] + b"\x5a" * size + b"\xff\xd9"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def large_png(size: int, *, before: list[bytes], after: list[bytes], idat: int = 8192) -> bytes:
    """A PNG with `size` bytes of image data in IDAT chunks of `idat` bytes (libpng's 8 KiB).

    `before` and `after` are chunks (png_chunk()) placed before and after the image data.
    """
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4000, 3000, 8, 2, 0, 0, 0))
    image = b"".join(png_chunk(b"IDAT", b"\x78" * min(idat, size - start))
                     for start in range(0, size, idat))
    return (b"\x89PNG\r\n\x1a\n" + header + b"".join(before) + image + b"".join(after)
            + png_chunk(b"IEND", b""))


class PdfWriter:
    """A PDF built object by object, with classic cross-references or a cross-reference stream."""

    def __init__(self) -> None:
        self.data = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.offsets: dict[int, int] = {}

    def add(self, number: int, body: bytes) -> None:
        self.offsets[number] = len(self.data)
        self.data += b"%d 0 obj\n" % number + body + b"\nendobj\n"

    def classic_xref(self, trailer: bytes, numbers: list[int]) -> None:
        """One section listing `numbers` (consecutive) and its trailer, then startxref."""
        start = len(self.data)
        self.data += b"xref\n"
        if numbers[0] == 1:  # a complete section opens with object 0, the free list's head
            self.data += b"0 %d\n0000000000 65535 f\r\n" % (len(numbers) + 1)
        else:
            self.data += b"%d %d\n" % (numbers[0], len(numbers))
        for number in numbers:
            self.data += b"%010d 00000 n\r\n" % self.offsets[number]
        self.data += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % start

    def xref_stream(self, number: int, trailer: bytes, rows: dict[int, tuple[int, int, int]],
                    *, last: bool = True) -> int:
        """A cross-reference stream (object `number`), Flate with the PNG Up predictor; its offset.

        `last`: startxref points at it (else a classic trailer names it, /XRefStm).
        """
        start = len(self.data)
        rows = rows | {number: (1, start, 0)}
        table = [rows.get(n, (0, 0, 0)) for n in range(max(rows) + 1)]
        raw = [struct.pack(">BIH", *row) for row in table]
        previous = bytes(7)
        predicted = b""
        for row in raw:
            predicted += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
            previous = row
        packed = zlib.compress(predicted)
        self.add(number, b"<< /Type /XRef /Size %d /W [1 4 2] " % len(table) + trailer[2:-2]
                 + b" /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>"
                 b" /Length %d >>\nstream\n" % len(packed) + packed + b"\nendstream")
        if last:
            self.data += b"startxref\n%d\n%%%%EOF\n" % start
        return start


def large_pdf(size: int, *, info: bytes) -> bytes:
    """A one-page PDF with a `size`-byte image, its Info dictionary `info` after the image."""
    pdf = PdfWriter()
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    pdf.add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
    pdf.add(4, b"<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n" % size
            + b"\x00" * size + b"\nendstream")
    pdf.add(5, info)
    pdf.classic_xref(b"<< /Size 6 /Root 1 0 R /Info 5 0 R >>", [1, 2, 3, 4, 5])
    return bytes(pdf.data)
