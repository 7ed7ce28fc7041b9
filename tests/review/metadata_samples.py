"""HEIC, WebP and TIFF photos and PDFs with XMP, built for the test; exiftool's reading.

exiftool shares no code with review/casefile (nor with Pillow or libheif's
metadata reading): what it reads from these files is what the case view must show.
"""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pillow_heif
from PIL import Image, TiffImagePlugin

from tests.review.large_attachments import PdfWriter
from tests.support import require_program

pillow_heif.register_heif_opener()

# 48.8583 N, 2.2945 E: the Eiffel Tower, as the EXIF GPS rationals say it.
HEIC_FIELDS = [("Device maker", "Apple"), ("Device model", "iPhone 15 Pro"),
               ("Software", "17.1"), ("Modified", "2026:11:30 10:00:00"),
               ("Taken", "2026:11:30 10:00:00"), ("Lens model", "iPhone 15 Pro back camera"),
               ("GPS location", "48.85830, 2.29450")]


def xmp_packet(*properties: str, namespaces: str = "") -> bytes:
    """An XMP packet, as Adobe's toolkit writes it, with `properties` inside rdf:Description."""
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" '
            'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
            'xmlns:exif="http://ns.adobe.com/exif/1.0/" ' + namespaces + ">"
            + "".join(properties) + "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
            + " " * 2048 + '\n<?xpacket end="w"?>').encode()


# What a word processor's PDF export says of its author, in XMP.
DOCUMENT_XMP = xmp_packet(
    "<dc:creator><rdf:Seq><rdf:li>Li Wei</rdf:li><rdf:li>Zhang San</rdf:li></rdf:Seq></dc:creator>",
    "<xmp:CreatorTool>Writer 24.2</xmp:CreatorTool>",
    "<xmp:CreateDate>2026-12-01T19:08:39+08:00</xmp:CreateDate>",
    "<xmp:ModifyDate>2026-12-01T20:00:00Z</xmp:ModifyDate>",
    "<pdf:Producer>LibreOffice 24.2</pdf:Producer>",
    "<photoshop:City>Lyon</photoshop:City>")
DOCUMENT_XMP_FIELDS = [("Author", "Li Wei; Zhang San"), ("Creator", "Writer 24.2"),
                       ("Created", "2026-12-01 19:08:39 +08:00"),
                       ("Modified", "2026-12-01 20:00:00 +00:00"),
                       ("Software", "LibreOffice 24.2"), ("Place", "Lyon")]
# iOS puts a little XMP beside the EXIF; an editor adds a place.
PHOTO_XMP = xmp_packet('<photoshop:City>Paris</photoshop:City>',
                       '<dc:creator><rdf:Seq><rdf:li>Li Wei</rdf:li></rdf:Seq></dc:creator>')


def photo_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Apple", "iPhone 15 Pro", "17.1"
    exif[0x0132] = "2026:11:30 10:00:00"
    sub = exif.get_ifd(0x8769)
    sub[0x9003], sub[0xA434] = "2026:11:30 10:00:00", "iPhone 15 Pro back camera"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.88)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.2)
    return exif


def heic_photo(*, xmp: bytes | None = None) -> bytes:
    """A real HEIC (HEVC through libheif) with an iPhone's EXIF, and `xmp` if given."""
    return _photo("HEIF", xmp=xmp)


def webp_photo(*, xmp: bytes | None = None) -> bytes:
    """The same EXIF in a WebP (its EXIF and XMP chunks after the image data), and `xmp`."""
    return _photo("WEBP", xmp=xmp)


def jpeg_photo() -> bytes:
    """The same EXIF in a JPEG: both formats must show the same fields."""
    return _photo("JPEG")


def _photo(image_format: str, *, xmp: bytes | None = None) -> bytes:
    """A small picture in `image_format` with photo_exif()'s EXIF, and `xmp` if given."""
    out = io.BytesIO()
    options: dict[str, object] = {"exif": photo_exif().tobytes()}
    if image_format != "JPEG":
        options["quality"] = 80
    if xmp is not None:
        options["xmp"] = xmp
    Image.new("RGB", (32, 16), (30, 90, 160)).save(out, image_format, **options)
    return out.getvalue()


# A DSLR's TIFF: its maker and model in IFD0, the body's serial number in the
# EXIF IFD, GPS, XMP (tag 700) naming the photographer and the city, and an
# IPTC record (tag 33723) an agency's tool filled in with another of each.
TIFF_FIELDS = [("Device maker", "Canon"), ("Device model", "EOS R5"),
               ("Taken", "2026:11:30 10:00:00"), ("Device serial number", "SN-0042"),
               ("GPS location", "48.85830, 2.29450"), ("Author", "Li Wei"), ("Place", "Paris"),
               ("Author", "Wang Fang"), ("Place", "Lyon")]
# That record as IIM datasets: 2:80 By-line, 2:90 City (each marker, record, dataset, length).
TIFF_IPTC = b"\x1c\x02\x50\x00\x09Wang Fang\x1c\x02\x5a\x00\x04Lyon"
# Its XMP, in the order exiftool writes it.
TIFF_XMP = xmp_packet('<dc:creator><rdf:Seq><rdf:li>Li Wei</rdf:li></rdf:Seq></dc:creator>',
                      '<photoshop:City>Paris</photoshop:City>')


# A Canon maker note as Canon's cameras write it: an IFD with no header of its
# own (tag 0x000C the body's serial number, 0x0010 the model's id), its values inline.
CANON_SERIAL = 4242424242
CANON_MAKER_NOTE = (struct.pack("<H", 2) + struct.pack("<HHII", 0x000C, 4, 1, CANON_SERIAL)
                    + struct.pack("<HHII", 0x0010, 4, 1, 0x80000421) + b"\x00" * 4)


def jpeg_with_maker_note(*, make: str | None = "Canon") -> bytes:
    """A JPEG whose EXIF IFD holds CANON_MAKER_NOTE (exiftool shows Canon:SerialNumber)."""
    exif = Image.Exif()
    if make is not None:
        exif[0x010F] = make
    exif.get_ifd(0x8769)[0x927C] = CANON_MAKER_NOTE
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (30, 90, 160)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def photoshop_block(resource: int, data: bytes) -> bytes:
    """One Photoshop image resource: 8BIM, its id, an empty name, its size, its data padded."""
    return (b"8BIM" + struct.pack(">H", resource) + b"\x00\x00" + struct.pack(">I", len(data))
            + data + b"\x00" * (len(data) & 1))


def jpeg_with_photoshop(resources: bytes) -> bytes:
    """A JPEG whose APP13 segment holds `resources`, as Photoshop writes it."""
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (30, 90, 160)).save(out, "JPEG")
    body = b"Photoshop 3.0\x00" + resources
    segment = b"\xff\xed" + struct.pack(">H", len(body) + 2) + body
    return out.getvalue()[:2] + segment + out.getvalue()[2:]


def tiff_with_photoshop(resources: bytes) -> bytes:
    """A TIFF whose tag 34377 (UNDEFINED) holds `resources`."""
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[34377] = resources
    tags.tagtype[34377] = 7
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (30, 90, 160)).save(out, "TIFF", tiffinfo=tags)
    return out.getvalue()


def raw_profile_text(kind: str, payload: bytes, *, length: int | None = None) -> bytes:
    """A raw profile's text as ImageMagick writes it: the kind's line, the length's, then the
    payload in lines of 72 hexadecimal digits."""
    digits = payload.hex()
    lines = "\n".join(digits[start : start + 72] for start in range(0, len(digits), 72))
    return f"\n{kind}\n{len(payload) if length is None else length:8d}\n{lines}\n".encode()


def png_with_chunks(*chunks: bytes) -> bytes:
    """A small PNG Pillow writes, with `chunks` after its header (IHDR)."""
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (30, 90, 160)).save(out, "PNG")
    data = out.getvalue()
    after_header = 8 + 12 + 13
    return data[:after_header] + b"".join(chunks) + data[after_header:]


def tiff_photo(*, width: int = 32, height: int = 16) -> bytes:
    """A TIFF whose tags exiftool wrote, where exiftool puts them (Pillow writes no EXIF IFD)."""
    exiftool = require_program("exiftool", "apt install libimage-exiftool-perl")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "photo.tif"
        Image.new("RGB", (width, height), (30, 90, 160)).save(path, "TIFF")
        subprocess.run([exiftool, "-q", "-overwrite_original", "-Make=Canon", "-Model=EOS R5",
                        "-DateTimeOriginal=2026:11:30 10:00:00", "-SerialNumber=SN-0042",
                        "-GPSLatitude=48.8583", "-GPSLatitudeRef=N", "-GPSLongitude=2.2945",
                        "-GPSLongitudeRef=E", "-XMP-photoshop:City=Paris",
                        "-XMP-dc:Creator=Li Wei", "-IPTC:By-line=Wang Fang", "-IPTC:City=Lyon",
                        str(path)], check=True)
        return path.read_bytes()


def tiff_photo_laid_out(*, big_endian: bool, big_tiff: bool) -> bytes:
    """The same tags written by Pillow, in either byte order, as a TIFF or a BigTIFF.

    exiftool keeps a file's byte order and writes no BigTIFF, so Pillow writes
    these: big-endian for a 16-bit greyscale scan ("I;16B"), as scanners do.
    Pillow fails writing a big-endian BigTIFF's EXIF and GPS IFDs, so that
    one layout is not offered here.
    """
    if big_endian and big_tiff:
        raise ValueError("Pillow cannot write the sub-IFDs of a big-endian BigTIFF")
    tags = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"MM" if big_endian else b"II")
    tags[0x010F], tags[0x0110] = "Canon", "EOS R5"
    tags[0x8769] = {0x9003: "2026:11:30 10:00:00", 0xA431: "SN-0042"}
    tags[0x8825] = {1: "N", 2: (48.0, 51.0, 29.88), 3: "E", 4: (2.0, 17.0, 40.2)}
    tags[700] = TIFF_XMP
    tags[33723] = TIFF_IPTC
    out = io.BytesIO()
    Image.new("I;16B" if big_endian else "RGB", (32, 16)).save(
        out, "TIFF", tiffinfo=tags, big_tiff=big_tiff)
    return out.getvalue()


def pdf_with_xmp(xmp: bytes, *, info: bytes | None = None, compress: bool = False) -> bytes:
    """A one-page PDF whose catalog names `xmp` as its Metadata stream (Flate if `compress`)."""
    pdf = PdfWriter()
    body = zlib.compress(xmp) if compress else xmp
    flate = b" /Filter /FlateDecode" if compress else b""
    pdf.add(1, b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>")
    pdf.add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    pdf.add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
    pdf.add(4, b"<< /Type /Metadata /Subtype /XML%s /Length %d >>\nstream\n"
            % (flate, len(body)) + body + b"\nendstream")
    numbers = [1, 2, 3, 4]
    trailer = b"<< /Size 5 /Root 1 0 R >>"
    if info is not None:
        pdf.add(5, info)
        numbers.append(5)
        trailer = b"<< /Size 6 /Root 1 0 R /Info 5 0 R >>"
    pdf.classic_xref(trailer, numbers)
    return bytes(pdf.data)


def exiftool_tags(data: bytes, directory: Path, name: str) -> dict[str, object]:
    """exiftool's reading of `data` as a file called `name`: group:tag -> value, numbers as such."""
    exiftool = require_program("exiftool", "apt install libimage-exiftool-perl")
    path = directory / name
    path.write_bytes(data)
    output = subprocess.run([exiftool, "-j", "-G1", "-n", "-struct", str(path)],
                            capture_output=True, text=True, check=True).stdout
    tags: dict[str, object] = json.loads(output)[0]
    return tags


def digits(date: object) -> str:
    """A date's digits alone: exiftool writes 2026:12:01 19:08:39+08:00, the page 2026-12-01 ..."""
    return re.sub(r"\D", "", str(date))
