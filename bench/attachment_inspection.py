"""What inspecting one attachment costs: ciphertext decrypted and time, per kind of file.

Each file is encrypted to a fresh key and inspected as review/casefile/attachments.py
does it (keys.open_seekable behind a 64 KiB buffer), so the bytes read are the
bytes decrypted. The kinds: an iPhone-like HEIC photo (EXIF and XMP; its pixels
are noise, so it is megabytes like a camera's), a WebP photo of the same
kind, twice the side, a 25 MiB PDF whose catalog
opens the file and names an XMP stream, the same PDF without XMP (what reading
the catalog costs a PDF that has none), a 25 MiB TIFF scan (its IFD, EXIF,
GPS and XMP, its strips of noise), and 32 MiB of garbage behind a HEIC
file type box (hostile). Run it in each tree, side by side (ABBA), from the
tree's root:

    python bench/attachment_inspection.py [--rounds 7] [--heic-side 2000]

The median time of the rounds is printed, and the fields found, so a tree that
does not read a kind shows it.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import zlib

sys.path.insert(0, os.getcwd())

import pillow_heif
from PIL import Image, TiffImagePlugin

import keys
from review.casefile.attachment_metadata import inspect_seekable

STREAM_CHUNK = 64 * 1024
LARGE = 25 << 20
XMP = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta '
       b'xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-'
       b'ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
       b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
       b"<dc:creator><rdf:Seq><rdf:li>Li Wei</rdf:li></rdf:Seq></dc:creator>"
       b"<xmp:CreatorTool>Writer</xmp:CreatorTool><xmp:CreateDate>2026-12-01T19:08:39Z"
       b"</xmp:CreateDate><pdf:Producer>LibreOffice</pdf:Producer></rdf:Description>"
       b"</rdf:RDF></x:xmpmeta>" + b" " * 2048 + b'<?xpacket end="w"?>')


def photo_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 29.88), "E", (2.0, 17.0, 40.2)
    return exif


def heic_photo(side: int) -> bytes:
    exif = photo_exif()
    noise = Image.frombytes("RGB", (side, side * 3 // 4), os.urandom(side * (side * 3 // 4) * 3))
    out = io.BytesIO()
    pillow_heif.register_heif_opener()
    noise.save(out, "HEIF", exif=exif.tobytes(), xmp=XMP, quality=90)
    return out.getvalue()


def webp_photo(side: int) -> bytes:
    """The same EXIF and XMP in a WebP of noise: its EXIF and XMP chunks after the image."""
    noise = Image.frombytes("RGB", (side, side * 3 // 4), os.urandom(side * (side * 3 // 4) * 3))
    out = io.BytesIO()
    noise.save(out, "WEBP", exif=photo_exif().tobytes(), xmp=XMP, quality=90)
    return out.getvalue()


def tiff_scan(size: int) -> bytes:
    """A scanner's RGB TIFF of about `size` bytes of noise, its device, GPS and XMP in its IFDs."""
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[0x010F], tags[0x0110] = "Epson", "Perfection V600"
    tags[0x8769] = {0xA431: "SN-0042"}
    tags[0x8825] = {1: "N", 2: (48.0, 51.0, 29.88), 3: "E", 4: (2.0, 17.0, 40.2)}
    tags[700] = XMP
    side = int((size / 3) ** 0.5)
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    noise.save(out, "TIFF", tiffinfo=tags)
    return out.getvalue()


def pdf(size: int, *, xmp: bool) -> bytes:
    """Catalog first, a `size`-byte page image, then Info and the classic cross-references."""
    data = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = len(data)
        data.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    add(1, b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 6 0 R" if xmp else b"") + b" >>")
    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
    image = zlib.compress(os.urandom(1024)) * (size // 1040)
    add(4, b"<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n" % len(image)
        + image + b"\nendstream")
    add(5, b"<< /Author (Li Wei) /Producer (LibreOffice) >>")
    add(6, b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(XMP) + XMP
        + b"\nendstream")
    start = len(data)
    data.extend(b"xref\n0 7\n0000000000 65535 f\r\n")
    for number in range(1, 7):
        data.extend(b"%010d 00000 n\r\n" % offsets[number])
    data.extend(b"trailer\n<< /Size 7 /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % start)
    return bytes(data)


class Counting(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer):  # type: ignore[no-untyped-def]
        count = super().readinto(buffer)
        self.read_bytes += count
        return count


def measure(name: str, plain: bytes, rounds: int) -> None:
    identity = keys.X25519Identity.generate()
    ciphertext = keys.encrypt(plain, recipients=[identity.recipient()])
    times = []
    for _ in range(rounds):
        source = Counting(ciphertext)
        started = time.perf_counter()
        seekable = keys.open_seekable(source, identities=[identity])
        with io.BufferedReader(seekable, buffer_size=STREAM_CHUNK) as reader:
            meta = inspect_seekable(reader, seekable.size)
        times.append(time.perf_counter() - started)
    labels = sorted({label for label, _ in meta.fields})
    print(f"{name:<28} {len(plain) / 2**20:6.1f} MiB  decrypted {source.read_bytes / 1024:8.0f} KiB"
          f"  {statistics.median(times) * 1e3:8.1f} ms  {meta.detected_type:<24} "
          f"{len(meta.fields)} fields {labels} incomplete={meta.incomplete}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--heic-side", type=int, default=2000, help="the WebP's is twice this")
    args = parser.parse_args()
    print(f"tree {os.getcwd()}, load average {os.getloadavg()[0]:.2f}")
    measure("HEIC photo (EXIF, XMP)", heic_photo(args.heic_side), args.rounds)
    measure("WebP photo (EXIF, XMP)", webp_photo(args.heic_side * 2), args.rounds)
    measure("PDF, catalog first, XMP", pdf(LARGE, xmp=True), args.rounds)
    measure("PDF, catalog first, no XMP", pdf(LARGE, xmp=False), args.rounds)
    measure("TIFF scan (EXIF, GPS, XMP)", tiff_scan(LARGE), args.rounds)
    garbage = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom((32 << 20) - 24)
    measure("32 MiB garbage HEIC", garbage, args.rounds)


if __name__ == "__main__":
    main()
