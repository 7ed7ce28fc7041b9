"""What an attachment's own metadata reveals (EXIF and XMP location, device, times; authors).

Originals are never altered; this only shows the reviewer, before anything is
shared, what a file says about the person who made it. The file type is
detected from its bytes: the content type in the report is reporter-supplied.
The parsers read bounded slices, never follow offsets outside the data, scan
linearly, and bound their work before they start it (segments, chunks,
candidates, archive entries), with a time budget behind those bounds: a
hostile reporter chooses every byte, so a file must cost little and never raise.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice, product, zip_longest
from typing import BinaryIO

import pillow_heif

import keys
from review.casefile.iptc import read_iptc
from review.casefile.pdf_info import NoCrossReference, document_metadata
from review.casefile.pdf_text import decode_text_string, readable_date, unescape_literal, unhex
from review.casefile.photoshop_resources import iptc_records
from review.casefile.png_chunks import png_chunks
from review.casefile.png_text import (
    MAX_INFLATED_BYTES,
    RawProfile,
    inflate,
    raw_profile,
    raw_profile_kind,
    text_chunk,
)
from review.casefile.tiff_ifd import Directory, TiffReader, Value, open_tiff
from review.casefile.xmp import MAX_XMP_BYTES, read_xmp
from review.casefile.zip_directory import TAIL_SIZE, NoEndRecord, central_directory

# Metadata lives in the first few hundred KiB of images and inside small XML
# members of documents; larger reads buy nothing and cost memory.
MAX_XML_BYTES = 256 * 1024
# A real file carries a handful of fields; a hostile one must not flood the page.
MAX_FIELDS = 50
MAX_LABEL_CHARS = 79  # the longest PNG keyword the PNG specification allows
MAX_VALUE_CHARS = 200
MAX_OFFICE_VALUE_CHARS = 300
# Wall-clock budget for one file's parsers, checked between chunks and members:
# the last resort behind the bounds below, which hold the work far under it.
MAX_INSPECT_SECONDS = 2.0
# Metadata comes before a JPEG's image data, in its first few dozen segments.
MAX_JPEG_SEGMENTS = 256
# A 32 MiB PNG written in libpng's 8 KiB IDAT chunks has 4,096 of them.
MAX_PNG_CHUNKS = 4096
# A PNG's compressed text chunks inflated, in all (each to MAX_INFLATED_BYTES):
# a bomb in each of thousands of chunks costs no more than this.
MAX_PNG_INFLATED_BYTES = 4 * 1024 * 1024
# Places a PDF names one of the fields, each followed by at most 300 bytes.
MAX_PDF_CANDIDATES = 1024
# XMP packets a PDF scanned whole is searched for (the catalog's, and its images').
MAX_PDF_XMP_PACKETS = 8
# A WebP has a handful of chunks, but an animation one per frame (ANMF).
MAX_WEBP_CHUNKS = 4096
# Its EXIF chunk is read this far (a JPEG's EXIF fits in 64 KiB).
MAX_WEBP_EXIF_BYTES = 1024 * 1024
# EXIF blobs read of one JPEG (APP1 segments), PNG (eXIf chunks) or WebP (EXIF
# chunks): a camera writes one, but a decoy first must not hide another.
MAX_EXIF_BLOBS = 4
# And EXIF blocks among Photoshop's image resources, in the whole file: each may
# hold resources of its own, with EXIF again, so this bounds that nesting too.
MAX_PHOTOSHOP_EXIF = 4
# A HEIF file holding a collection has an image per photo; a camera's, one.
MAX_HEIF_IMAGES = 16
# A TIFF has an IFD per page (and a camera's a thumbnail's, a DNG's SubIFDs
# its other images): a scan of a letter has a few.
MAX_TIFF_IFDS = 16
# Every IFD read of one TIFF: the images', and the EXIF and GPS IFDs they point to.
MAX_TIFF_DIRECTORIES = 64
# A large Office document has a few hundred members (a 200-slide deck about
# 1,000) in well under 256 KiB of central directory; zipfile indexes every
# entry on opening, so an archive claiming more is not opened at all.
MAX_ARCHIVE_ENTRIES = 2000
MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024

# Notes of our own (review/web/metadata_labels.py translates them).
UNREADABLE_METADATA = "metadata could not be read"
UNREADABLE_XMP = "XMP metadata could not be read in full"
MAKER_NOTE_UNREAD = "camera maker's private data (can hold the camera's serial number), not read"

# detect_type() looks no further than this into a file.
TYPE_PREFIX_BYTES = 12

IMAGE_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    # A TIFF, in either byte order, and a BigTIFF (64-bit offsets), which
    # review/casefile/tiff_ifd.py and Pillow both read.
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
    b"II+\x00": "image/tiff",
    b"MM\x00+": "image/tiff",
}
# A HEIF file opens with its ftyp box: a 4-byte size, "ftyp", then its major
# brand (ISO/IEC 23008-12, Annex B), which says HEVC (HEIC, the iPhone's) or
# any codec (HEIF). review/export/clean_image.py accepts the same brands.
HEIF_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic",
               b"heis": "image/heic", b"hevc": "image/heic", b"hevx": "image/heic",
               b"mif1": "image/heif", b"msf1": "image/heif"}
_IFD0_TAGS = {0x010F: "Device maker", 0x0110: "Device model", 0x0131: "Software",
              0x0132: "Modified", 0x013B: "Artist", 0x8298: "Copyright",
              # A computer's name ("Tenzin's MacBook"), and text a person or a
              # scanner wrote, which may be a path with a user name in it.
              0x013C: "Host computer", 0x010E: "Image description", 0x010D: "Document name"}
_EXIF_TAGS = {0x9003: "Taken", 0x9004: "Digitised", 0xA430: "Camera owner",
              0xA431: "Device serial number", 0xA434: "Lens model", 0xA433: "Lens maker",
              0xA435: "Lens serial number"}
# Windows Explorer's author, UTF-16LE in BYTEs, which exiftool shows as XPAuthor.
_UTF16_TAGS = {0x9C9D: "Author"}
_EXIF_POINTER, _GPS_POINTER, _XMP_TAG, _IPTC_TAG = 0x8769, 0x8825, 700, 33723
_SUB_IFDS, _PHOTOSHOP_TAG = 330, 34377
# EXIF's Interop IFD: meant for a few compatibility tags, but an IFD like any other,
# so exiftool reads whatever a writer put there (a serial number, a GPS pointer).
_INTEROP_POINTER = 0xA005
# EXIF's MakerNote: a block in each camera maker's own format, in which Canon,
# Nikon, Fujifilm, Olympus, Sony and Apple keep the body's and the lens's serial
# numbers and the owner's name. It is not read (a format a maker, and a hostile
# reporter, may lay out in any way), only noted wherever an IFD has one.
_MAKER_NOTE = 0x927C
_NOTED = frozenset({_MAKER_NOTE})
# A GPS IFD's tags for a position: latitude's N or S, latitude, longitude's E or W,
# longitude; for the destination's; and the area's name, after an 8-byte charset.
_GPS_POSITION, _GPS_DESTINATION, _GPS_AREA = (1, 2, 3, 4), (0x13, 0x14, 0x15, 0x16), 0x1C
# Text fields read of every image and EXIF IFD: a writer may put either's in the other.
_TEXT_TAGS = {**_IFD0_TAGS, **_EXIF_TAGS, **_UTF16_TAGS}
# The tags whose values are read, each cut to this many bytes (the rest of an
# IFD's entries are stepped over): text to what a field shows, pointers whole,
# and an XMP packet or IPTC record one byte past its bound, which tells that it was cut.
_TEXT_BYTES = 256
_IPTC_BYTES = 64 * 1024  # a photo's IPTC record is a few hundred bytes
# Photoshop's resources hold a thumbnail too (tens of KiB) before or after the record.
_PHOTOSHOP_BYTES = 256 * 1024
# One set of wanted tags for every IFD, so that each is read once whatever
# points to it; each IFD's role says which of them are shown.
_WANTED = {**dict.fromkeys(_TEXT_TAGS, _TEXT_BYTES),
           # GPS: latitude and longitude with N/S and E/W, those of the destination
           # photographed, and the area's name.
           **dict.fromkeys((*_GPS_POSITION, *_GPS_DESTINATION, _GPS_AREA), _TEXT_BYTES),
           _EXIF_POINTER: 0, _GPS_POINTER: 0, _SUB_IFDS: 0, _INTEROP_POINTER: 0,
           _XMP_TAG: MAX_XMP_BYTES + 1, _IPTC_TAG: _IPTC_BYTES + 1,
           _PHOTOSHOP_TAG: _PHOTOSHOP_BYTES + 1}
_AS_BYTES = frozenset({_XMP_TAG, _IPTC_TAG, _PHOTOSHOP_TAG})
_LOCATING = {"GPS location", "Place"}
_IDENTIFYING = {"Device maker", "Device model", "Device serial number", "Artist",
                "Camera owner", "Author", "Last modified by", "Creator", "Company",
                "Host computer", "Image description", "Document name", "Lens serial number"}


@dataclass
class FileMetadata:
    """Detected type, the metadata found, and warnings about what could identify the reporter."""

    detected_type: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Set when parsing stopped early (field cap, time budget, unreadable data).
    incomplete: bool = False
    # Set when an IFD holds a maker note, which may identify and is not read.
    maker_note: bool = False
    # Photoshop resources' EXIF blocks read so far (MAX_PHOTOSHOP_EXIF): the
    # reading's own count, not something the file says.
    photoshop_exif_read: int = field(default=0, repr=False, compare=False)

    def add(self, label: str, value: str) -> None:
        """Record a field, keeping label and value short, up to MAX_FIELDS.

        The text is kept as the file has it: the page shows its invisible and
        reordering characters as markers (review/web/reporter_text.py), which
        tells the reviewer more than dropping them would.
        """
        label = label.strip()[:MAX_LABEL_CHARS]
        value = value.strip()[:MAX_VALUE_CHARS]
        if not (label and value) or (label, value) in self.fields:
            return  # a value said twice (a PDF's Info and its XMP) is shown once
        if len(self.fields) >= MAX_FIELDS:
            self.incomplete = True
            return
        self.fields.append((label, value))

    @property
    def full(self) -> bool:
        """True once no further field would be kept."""
        return len(self.fields) >= MAX_FIELDS

    def finish(self) -> FileMetadata:
        """Derive the warnings from the fields found."""
        labels = {label for label, _ in self.fields}
        if labels & _LOCATING:
            self.warnings.append("location")
        if labels & _IDENTIFYING:
            self.warnings.append("identity")
        if self.maker_note:
            self.warnings.append("maker note")
        return self


def detect_type(data: bytes) -> str:
    """The content type the bytes themselves show, or application/octet-stream."""
    for magic, content_type in IMAGE_TYPES.items():
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return HEIF_BRANDS[data[8:12]]
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return "application/zip"
    return "application/octet-stream"


def inspect(data: bytes, *, budget_seconds: float = MAX_INSPECT_SECONDS) -> FileMetadata:
    """Extract what metadata `data` carries, within `budget_seconds`."""
    return inspect_seekable(io.BytesIO(data), len(data), budget_seconds=budget_seconds)


def inspect_seekable(
    source: BinaryIO, size: int, *, budget_seconds: float = MAX_INSPECT_SECONDS
) -> FileMetadata:
    """The metadata in the `size` bytes of `source`, reading only the parts the file's type needs.

    The type needs the first few bytes; a JPEG, its segments up to the image
    data; a PNG, its chunks before the image data and those after it from its
    tail (review/casefile/png_chunks.py); a WebP, its chunk headers and its
    EXIF and XMP chunks; a PDF, its trailer, cross-references,
    Info dictionaries, catalogs and their XMP streams (review/casefile/pdf_info.py);
    a zip, its tail and the central directory that tail bounds, then the few
    members read; a HEIC or HEIF, all of it (libheif reads from memory); a
    TIFF, its IFDs and the values of the tags shown, where its offsets point
    (review/casefile/tiff_ifd.py). Anything else is not read further. A seekable decrypting `source`
    (keys.open_seekable) decrypts just those parts: a few chunks of 64 KiB
    for a camera's file, and at most about 26 MiB for a hostile TIFF (docs/review.md).
    """
    source.seek(0)
    detected = detect_type(source.read(TYPE_PREFIX_BYTES))
    if detected == "application/zip":
        return inspect_archive(source, size, budget_seconds=budget_seconds)
    meta = FileMetadata(detected)
    parser = _PARSERS.get(detected)
    if parser is not None:
        deadline = _Deadline(budget_seconds)
        _guarded(lambda: parser(source, size, meta, deadline), meta)
    return meta.finish()


def inspect_archive(
    source: BinaryIO, size: int, *, budget_seconds: float = MAX_INSPECT_SECONDS
) -> FileMetadata:
    """What an Office or OpenDocument archive's properties say, read from its tail first."""
    meta = FileMetadata("application/zip")
    deadline = _Deadline(budget_seconds)
    source.seek(max(size - TAIL_SIZE, 0))
    tail = source.read(TAIL_SIZE)
    _guarded(lambda: _office(source, tail, meta, deadline), meta)
    return meta.finish()


def _guarded(parse: Callable[[], None], meta: FileMetadata) -> None:
    try:
        parse()
    except _OutOfTime:
        meta.incomplete = True
    except (struct.error, ValueError, IndexError):
        # Hostile bytes may be malformed in ways no bound check foresaw:
        # what was found so far is still shown, and the page still renders.
        meta.incomplete = True


class _OutOfTime(Exception):
    """The time budget for one file ran out."""


class _Deadline:
    """A monotonic deadline that parsers check between units of work."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise _OutOfTime


# What an APP1 segment's body opens with: EXIF (a TIFF 6 bytes in), XMP, and the
# extension XMP continues in when it outgrows a segment (not reassembled here).
_JPEG_EXIF, _JPEG_XMP = b"Exif\x00", b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_EXTENDED_XMP = b"http://ns.adobe.com/xmp/extension/\x00"
# And an APP13's: Photoshop's image resources, which hold the IPTC record.
_JPEG_PHOTOSHOP = b"Photoshop 3.0\x00"


def _jpeg(source: BinaryIO, size: int, meta: FileMetadata, deadline: _Deadline) -> None:
    """EXIF, XMP and IPTC from the segments before the image data.

    Each segment's 4-byte header is read, and the body of an APP1 (EXIF, XMP)
    or APP13 (Photoshop's resources) segment, up to the start of scan.
    """
    position, exif_read = 2, 0
    for _ in range(MAX_JPEG_SEGMENTS):
        header = _read_at(source, position, 4)
        if header[:2] == b"\xff\xff":
            position += 1  # a fill byte before a marker
            continue
        if len(header) < 4 or header[0] != 0xFF:
            return
        deadline.check()
        marker = header[1]
        (length,) = struct.unpack(">H", header[2:4])
        if marker == 0xDA:  # start of scan: no metadata after this
            return
        if marker == 0xE1:  # APP1
            segment = _read_at(source, position + 4, max(length - 2, 0))
            if segment.startswith(_JPEG_EXIF):
                exif_read += 1
                if exif_read > MAX_EXIF_BLOBS:
                    meta.incomplete = True
                else:
                    _exif(segment[6:], meta, deadline)
            elif segment.startswith(_JPEG_XMP):
                _xmp(segment[len(_JPEG_XMP) :], meta)
            elif segment.startswith(_JPEG_EXTENDED_XMP):
                meta.incomplete = True
        elif marker == 0xED:  # APP13
            segment = _read_at(source, position + 4, max(length - 2, 0))
            if segment.startswith(_JPEG_PHOTOSHOP):
                _photoshop_resources(segment[len(_JPEG_PHOTOSHOP) :], meta, deadline)
        position += 2 + length
    meta.incomplete = True


def _photoshop_resources(resources: bytes, meta: FileMetadata, deadline: _Deadline) -> None:
    """The IPTC records, XMP packets and EXIF (0x0422) among Photoshop's image resources.

    The EXIF is read by the same TIFF reader as any other, up to
    MAX_PHOTOSHOP_EXIF blocks in the file, past which the reading says it
    stopped; so does EXIF in the format no one documents (0x0423).
    """
    found = iptc_records(resources[:_PHOTOSHOP_BYTES])
    for iptc in found.iptc:
        _iptc(iptc, meta)
    for packet in found.xmp:
        _xmp(packet, meta)
    for exif in found.exif:
        if meta.photoshop_exif_read == MAX_PHOTOSHOP_EXIF:
            meta.incomplete = True
            break
        meta.photoshop_exif_read += 1
        _exif(exif, meta, deadline)
    meta.incomplete |= (not found.complete or found.holds_unread_exif
                        or len(resources) > _PHOTOSHOP_BYTES)


def _png(source: BinaryIO, size: int, meta: FileMetadata, deadline: _Deadline) -> None:
    """EXIF, XMP, IPTC and text from a PNG's metadata chunks, compressed text inflated.

    Raw profiles (review/casefile/png_text.py) go to the reader of what they
    hold; compressed text is inflated to at most MAX_PNG_INFLATED_BYTES in
    all, past which the reading says it stopped.
    """
    exif_read = 0
    walked = 0
    inflate_left = MAX_PNG_INFLATED_BYTES
    for kind, body in islice(png_chunks(source, size, wanted=_PNG_METADATA), MAX_PNG_CHUNKS):
        walked += 1
        deadline.check()
        if meta.full:
            meta.incomplete = True
            return
        if kind.lower() in _PNG_EXIF_CHUNKS:
            # The specification allows one, but a decoy first must not hide another;
            # parsing each of thousands would multiply the work.
            exif_read += 1
            if exif_read > MAX_EXIF_BLOBS:
                meta.incomplete = True
                continue
            exif = body.removeprefix(b"Exif\x00\x00")
            if exif.startswith(b"\x00"):
                # Compressed, as exiftool reads it: a method byte, the length inflated
                # (a claim, not used), then the zlib stream, inflated within the budget.
                inflated = inflate(exif[5:], most_bytes=min(MAX_INFLATED_BYTES, inflate_left))
                inflate_left -= inflated.cost
                meta.incomplete |= not inflated.whole
                exif = inflated.data
            _exif(exif, meta, deadline)
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            chunk = text_chunk(kind, body, most_bytes=min(MAX_INFLATED_BYTES, inflate_left))
            inflate_left -= chunk.cost
            meta.incomplete |= not chunk.whole
            profile_kind = raw_profile_kind(chunk.keyword)
            if profile_kind is not None:
                profile = raw_profile(profile_kind, chunk.text)
                meta.incomplete |= not profile.whole
                if _raw_profile(profile, meta, deadline, exif_allowed=exif_read < MAX_EXIF_BLOBS):
                    exif_read += 1
            elif chunk.keyword[:1].upper() + chunk.keyword[1:] == _PNG_XMP_KEYWORD:
                # XMP, as Adobe's tools and exiftool write it into a PNG; exiftool also
                # reads the keyword with its first letter in lower case ("xML:...").
                _xmp(chunk.text[: MAX_XMP_BYTES + 1], meta)
            else:
                # The keyword is the file's own claim: prefixed, it can never pose
                # as one of our labels ("GPS location") and fake or hide a warning.
                keyword_text = chunk.keyword[:MAX_LABEL_CHARS].decode("latin-1").strip()
                meta.add(f"PNG text: {keyword_text or '?'}", chunk.text.decode("utf-8", "replace"))
        elif kind == b"IEND":
            return
    if walked == MAX_PNG_CHUNKS:
        meta.incomplete = True


def _raw_profile(profile: RawProfile, meta: FileMetadata, deadline: _Deadline, *,
                 exif_allowed: bool) -> bool:
    """A raw profile's payload, read as exiftool reads it; True if it was EXIF (read or not).

    EXIF (whether called exif or APP1) may be a TIFF, or "Exif\\0\\0" and a
    TIFF, or XMP with a JPEG's XMP header; an IPTC profile may be the record
    itself or Photoshop's resources holding it.
    """
    payload = profile.payload
    if not payload:
        return False
    if profile.kind in ("exif", "app1"):
        if payload.startswith(_JPEG_XMP):
            _xmp(payload[len(_JPEG_XMP) :][: MAX_XMP_BYTES + 1], meta)
            return False
        if exif_allowed:
            _exif(payload.removeprefix(b"Exif\x00\x00"), meta, deadline)
        else:
            meta.incomplete = True
        return True
    if profile.kind == "xmp":
        _xmp(payload[: MAX_XMP_BYTES + 1], meta)
    elif profile.kind == "iptc" and payload.startswith(b"\x1c"):
        _iptc(payload, meta)
    else:  # 8bim, or IPTC in Photoshop's resources
        _photoshop_resources(payload, meta, deadline)
    return False


_PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
# EXIF's chunk, and the compressed one once proposed, in lower case: exiftool reads
# either in any letter case (PNG.pm, %stdCase), as early writers spelt them.
_PNG_EXIF_CHUNKS = frozenset({b"exif", b"zxif"})


def _any_case(name: bytes) -> frozenset[bytes]:
    """`name` in each of its letter cases."""
    cases = ((letter, ord(chr(letter).upper())) for letter in name.lower())
    return frozenset(bytes(spelling) for spelling in product(*cases))


# Only these chunks are read; image data is stepped over without being copied.
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"iTXt", b"zTXt"})
_PNG_METADATA = _PNG_TEXT_CHUNKS.union(*map(_any_case, _PNG_EXIF_CHUNKS))


def _webp(source: BinaryIO, size: int, meta: FileMetadata, deadline: _Deadline) -> None:
    """The EXIF and XMP chunks of a WebP, found by walking its RIFF chunk headers.

    Each header gives its chunk's length (padded to an even number), so the
    image data between is stepped over unread. Writers put EXIF and XMP after
    it; the first XMP is read, as a reader of the format does, and up to
    MAX_EXIF_BLOBS EXIF chunks, so that a decoy first hides no other.
    """
    position = 12  # "RIFF", the file's length, "WEBP"
    exif_read, xmp_read = 0, False
    for _ in range(MAX_WEBP_CHUNKS):
        header = _read_at(source, position, 8)
        if len(header) < 8:
            return
        deadline.check()
        kind, (length,) = header[:4], struct.unpack("<I", header[4:])
        if kind == b"EXIF":
            exif_read += 1
            if exif_read > MAX_EXIF_BLOBS:
                meta.incomplete = True
            else:
                exif = _read_at(source, position + 8, min(length, MAX_WEBP_EXIF_BYTES))
                _exif(exif.removeprefix(b"Exif\x00\x00"), meta, deadline)
        elif kind == b"XMP " and not xmp_read:
            xmp_read = True
            # One byte past the bound tells read_xmp the packet was cut.
            _xmp(_read_at(source, position + 8, min(length, MAX_XMP_BYTES + 1)), meta)
        position += 8 + length + (length & 1)
    meta.incomplete = True


def _tiff_file(source: BinaryIO, size: int, meta: FileMetadata, deadline: _Deadline) -> None:
    """A TIFF file's own IFDs, read where its offsets point (review/casefile/tiff_ifd.py)."""
    _tiff(open_tiff(source, size), meta, deadline)


def _exif(exif: bytes, meta: FileMetadata, deadline: _Deadline) -> None:
    """The EXIF a JPEG, PNG, WebP or HEIC carries: a TIFF, held in memory."""
    _tiff(open_tiff(io.BytesIO(exif), len(exif), any_version=True), meta, deadline)


def _tiff(tiff: TiffReader | None, meta: FileMetadata, deadline: _Deadline) -> None:
    """The fields of each IFD in the chain, its SubIFDs, EXIF and GPS IFDs, its XMP and IPTC.

    A scanner's multi-page TIFF has an IFD per page, each of which may say who
    or where; past MAX_TIFF_IFDS, or on a loop, the reading is incomplete. A
    TIFF whose header, or first IFD, cannot be read says so.
    """
    if (tiff is None or tiff.first_offset < tiff.header_size
            or not tiff.holds(tiff.first_offset)):
        meta.add("Note", UNREADABLE_METADATA)
        meta.incomplete = True
        return
    _TiffWalk(tiff, meta, deadline).chain(tiff.first_offset)


class _TiffWalk:
    """One TIFF's IFDs, each read once however many pointers name it.

    The image IFDs (the chain's and their SubIFDs) are counted against
    MAX_TIFF_IFDS, and every IFD read against MAX_TIFF_DIRECTORIES, so a file
    costs at most that many IFDs' reads (tiff_ifd.py bounds each) however its
    pointers repeat, point back or fan out.
    """

    def __init__(self, tiff: TiffReader, meta: FileMetadata, deadline: _Deadline) -> None:
        self._tiff, self._meta, self._deadline = tiff, meta, deadline
        self._read: dict[int, Directory] = {}
        self._images: set[int] = set()
        self._shown: set[tuple[int, str]] = set()

    def chain(self, offset: int) -> None:
        """An image IFD and those its next-IFD offsets lead to (a page each)."""
        while offset != 0:
            directory = self.image(offset)
            if directory is None:
                return
            offset = directory.next_offset

    def image(self, offset: int) -> Directory | None:
        """An image IFD, shown with what it points to; None if the reading stops here."""
        if offset in self._images or len(self._images) >= MAX_TIFF_IFDS:
            # A chain past the bound, or one that loops back: malformed, and read once.
            self._meta.incomplete = True
            return None
        self._images.add(offset)
        directory = self._directory(offset)
        if directory is not None:
            self._show(offset, "image", directory)
        return directory

    def _directory(self, offset: int) -> Directory | None:
        if offset in self._read:
            return self._read[offset]
        if len(self._read) >= MAX_TIFF_DIRECTORIES:
            self._meta.incomplete = True
            return None
        self._deadline.check()
        directory = self._tiff.directory(offset, _WANTED, as_bytes=_AS_BYTES, noted=_NOTED)
        self._read[offset] = directory
        if directory.damaged:
            self._meta.incomplete = True
        return directory

    def _show(self, offset: int, role: str, directory: Directory) -> None:
        """What an IFD says in its role (an image's, EXIF's or Interop's, or GPS's), once per
        role."""
        if (offset, role) in self._shown:
            return
        self._shown.add((offset, role))
        values, meta = directory.values, self._meta
        if _MAKER_NOTE in directory.noted and not meta.maker_note:
            meta.maker_note = True
            meta.add("Note", MAKER_NOTE_UNREAD)
        if role == "gps":
            _gps(values, meta)
            return
        for tag, label in _TEXT_TAGS.items():
            for value in values.get(tag, ()):
                meta.add(label, _utf16(value) if tag in _UTF16_TAGS else _ascii(value))
        # Pointers are followed from every IFD but GPS's, wherever a writer put them
        # (an EXIF IFD inside the EXIF IFD, SubIFDs there), as exiftool follows them;
        # the cache of IFDs read and MAX_TIFF_DIRECTORIES bound the loops and the cost.
        self._follow(values, _EXIF_POINTER, "exif")
        self._follow(values, _INTEROP_POINTER, "exif")
        self._follow(values, _GPS_POINTER, "gps")
        for xmp in values.get(_XMP_TAG, ()):
            if isinstance(xmp, bytes):
                _xmp(xmp, meta)
        for iptc in values.get(_IPTC_TAG, ()):
            if isinstance(iptc, bytes):
                _iptc(iptc, meta)
        for resources in values.get(_PHOTOSHOP_TAG, ()):
            if isinstance(resources, bytes):
                _photoshop_resources(resources, meta, self._deadline)
        for sub in values.get(_SUB_IFDS, ()):
            if isinstance(sub, int):
                self.chain(sub)  # a SubIFD may have pages of its own
            else:
                meta.incomplete = True  # a pointer of a type no offset is read of

    def _follow(self, values: dict[int, list[Value]], pointer: int, role: str) -> None:
        for offset in values.get(pointer, ()):
            if not isinstance(offset, int):
                self._meta.incomplete = True  # a pointer of a type no offset is read of
            elif (directory := self._directory(offset)) is not None:
                self._show(offset, role, directory)


def _iptc(iptc: bytes, meta: FileMetadata) -> None:
    reading = read_iptc(iptc[:_IPTC_BYTES])
    for label, value in reading.fields:
        meta.add(label, value)
    meta.incomplete |= not reading.complete or len(iptc) > _IPTC_BYTES


def _gps(gps: dict[int, list[Value]], meta: FileMetadata) -> None:
    """The GPS IFD's position, its destination's and its area's name.

    A position whose coordinates none can be built of (a type or count not
    read) leaves a note that the reading stopped early.
    """
    for tags in (_GPS_POSITION, _GPS_DESTINATION):
        _gps_position(gps, tags, meta)
    for area in gps.get(_GPS_AREA, ()):
        if isinstance(area, bytes):
            charset, text = area[:8], area[8:]
            meta.add("Place", text.decode("utf-16" if charset.startswith(b"UNICODE") else "utf-8",
                                          "replace").split("\x00", 1)[0])


def _gps_position(gps: dict[int, list[Value]], tags: tuple[int, int, int, int],
                  meta: FileMetadata) -> None:
    latitude_ref, latitude_tag, longitude_ref, longitude_tag = tags
    latitudes = [_degrees(value) for value in gps.get(latitude_tag, ())]
    longitudes = [_degrees(value) for value in gps.get(longitude_tag, ())]
    south = any(_ascii(value).upper() == "S" for value in gps.get(latitude_ref, ()))
    west = any(_ascii(value).upper() == "W" for value in gps.get(longitude_ref, ()))
    shown = False
    for latitude, longitude in zip_longest(
            [lat for lat in latitudes if lat is not None],
            [lon for lon in longitudes if lon is not None]):
        lat = "?" if latitude is None else f"{-latitude if south else latitude:.5f}"
        lon = "?" if longitude is None else f"{-longitude if west else longitude:.5f}"
        meta.add("GPS location", f"{lat}, {lon}")
        shown = True
    if (latitude_tag in gps or longitude_tag in gps) and not shown:
        meta.incomplete = True  # coordinates of a type or count not read


def _degrees(value: Value) -> float | None:
    """Degrees, then minutes and seconds when given, as exiftool reads 1 to 6 RATIONALs."""
    if not isinstance(value, tuple) or not value:
        return None
    return sum(part / scale for part, scale in zip(value, (1, 60, 3600), strict=False))


def _utf16(value: Value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-16-le", "replace").split("\x00", 1)[0]
    return str(value)


def _ascii(value: Value) -> str:
    """A text field's value; a number shown as such, and fractions (no text) not at all."""
    if isinstance(value, bytes):
        return value.split(b"\x00", 1)[0].decode("utf-8", "replace")
    return "" if isinstance(value, tuple) else str(value)


_PDF_FIELDS = {b"Author": "Author", b"Creator": "Creator", b"Producer": "Software",
               b"CreationDate": "Created", b"ModDate": "Modified"}
_PDF_KEY = re.compile(rb"/(" + b"|".join(_PDF_FIELDS) + rb")")
_PDF_DATES = frozenset({b"CreationDate", b"ModDate"})
# A string after a key: literal, with escapes and one level of balanced
# parentheses ("Mozilla/5.0 (X11; Linux)" needs no escapes), or hexadecimal.
# Possessive repeats, so a candidate that does not close within its bound fails
# at once instead of backtracking through it.
_PDF_LITERAL_PART = rb"[^()\\]|\\[\s\S]"
_PDF_STRING = re.compile(
    rb"\s{0,64}+(?:\(((?:" + _PDF_LITERAL_PART + rb"|\((?:" + _PDF_LITERAL_PART
    + rb"){0,64}+\)){0,300}+)\)|<(?!<)([0-9A-Fa-f\s]{0,1200}+)>)")


def _pdf(source: BinaryIO, size: int, meta: FileMetadata, deadline: _Deadline) -> None:
    """The Info dictionaries' fields and the catalogs' XMP, found through the
    cross-references, else by a scan."""
    try:
        found = document_metadata(source, size, check=deadline.check)
    except NoCrossReference:
        # Damaged, hand-made, or built some way the reader does not follow:
        # the whole file is scanned for the keys, as a reader repairing it would,
        # and for XMP packets, which a writer leaves uncompressed so that
        # tools which do not parse PDF can find them (ISO 16684-1, 7.3.2).
        data = _read_at(source, 0, size)
        _pdf_keys(data, meta, deadline)
        for packet in islice(_xmp_packets(data), MAX_PDF_XMP_PACKETS):
            deadline.check()
            _xmp(packet, meta)
        return
    _pdf_keys(b"\n".join(found.info), meta, deadline)
    for packet in found.xmp:
        deadline.check()
        _xmp(packet, meta)
    if found.xmp_unreadable:
        _xmp_unreadable(meta)


_XMP_OPEN, _XMP_CLOSE = b"<x:xmpmeta", b"</x:xmpmeta>"


def _xmp_packets(data: bytes) -> Iterator[bytes]:
    """Each `<x:xmpmeta>` element in `data`, cut after MAX_XMP_BYTES (read_xmp says so)."""
    position = 0
    while (start := data.find(_XMP_OPEN, position)) != -1:
        end = data.find(_XMP_CLOSE, start, start + MAX_XMP_BYTES)
        position = end + len(_XMP_CLOSE) if end != -1 else start + MAX_XMP_BYTES + 1
        yield data[start:position]


def _xmp(packet: bytes, meta: FileMetadata) -> None:
    reading = read_xmp(packet)
    for label, value in reading.fields:
        meta.add(label, value)
    if not reading.complete:
        _xmp_unreadable(meta)


def _xmp_unreadable(meta: FileMetadata) -> None:
    meta.add("Note", UNREADABLE_XMP)
    meta.incomplete = True


def _heif(source: BinaryIO, size: int, meta: FileMetadata, deadline: _Deadline) -> None:
    """The EXIF and XMP of each image of a HEIC or HEIF file, as libheif finds them.

    pillow-heif (libheif, bundled in its wheels) parses the boxes and reads
    the metadata items; it decodes no pixel unless the pixels are asked for.
    It reads from memory, so the whole file is decrypted, which the 32 MiB
    bound on inspection allows (an iPhone photo is 1-5 MiB); libheif's
    security limits, on by default, bound the boxes and items it accepts.
    Its EXIF is read by the same TIFF reader as a JPEG's, so the same EXIF
    shows the same fields in either format.
    """
    data = _read_at(source, 0, size)
    try:
        # One past the bound, to know whether there were more: an image not read
        # may be the one whose EXIF holds a place, so the reading is then incomplete.
        images = list(islice(pillow_heif.open_heif(data), MAX_HEIF_IMAGES + 1))
    except Exception:
        # libheif reports truncated and garbage input as ValueError; whatever
        # a hostile file makes it raise must read as "could not be read".
        meta.add("Note", UNREADABLE_METADATA)
        meta.incomplete = True
        return
    if len(images) > MAX_HEIF_IMAGES:
        images = images[:MAX_HEIF_IMAGES]
        meta.incomplete = True
    for image in images:
        deadline.check()
        exif, xmp = image.info.get("exif"), image.info.get("xmp")
        if isinstance(exif, bytes):
            _exif(exif.removeprefix(b"Exif\x00\x00"), meta, deadline)
        if isinstance(xmp, bytes):
            _xmp(xmp, meta)


def _pdf_keys(data: bytes, meta: FileMetadata, deadline: _Deadline) -> None:
    """The first string given for each field, from at most MAX_PDF_CANDIDATES keys."""
    found: set[bytes] = set()
    for candidates, key in enumerate(_PDF_KEY.finditer(data)):
        if candidates == MAX_PDF_CANDIDATES:
            meta.incomplete = True
            return
        deadline.check()
        name = key.group(1)
        if name in found:
            continue
        string = _PDF_STRING.match(data, key.end())
        if string:
            found.add(name)
            literal, hexadecimal = string.groups()
            raw = unescape_literal(literal) if literal is not None else unhex(hexadecimal)
            text = decode_text_string(raw)
            meta.add(_PDF_FIELDS[name], readable_date(text) if name in _PDF_DATES else text)
            if len(found) == len(_PDF_FIELDS):
                return


_OFFICE_FIELDS = (
    ("docProps/core.xml", "dc:creator", "Author"),
    ("docProps/core.xml", "cp:lastModifiedBy", "Last modified by"),
    ("docProps/core.xml", "dcterms:created", "Created"),
    ("docProps/core.xml", "dcterms:modified", "Modified"),
    ("docProps/app.xml", "Company", "Company"),
    ("docProps/app.xml", "Application", "Software"),
    ("meta.xml", "meta:initial-creator", "Author"),
    ("meta.xml", "dc:creator", "Last modified by"),
    ("meta.xml", "meta:generator", "Software"),
)


# Types with a parser of their own (a zip is read from its tail by inspect_archive()).
_PARSERS: dict[str, Callable[[BinaryIO, int, FileMetadata, _Deadline], None]] = {
    "image/jpeg": _jpeg, "image/png": _png, "image/webp": _webp, "application/pdf": _pdf,
    "image/heic": _heif, "image/heif": _heif, "image/tiff": _tiff_file}


def _read_at(source: BinaryIO, offset: int, length: int) -> bytes:
    source.seek(offset)
    return source.read(length)


def _office(source: BinaryIO, tail: bytes, meta: FileMetadata, deadline: _Deadline) -> None:
    try:
        directory = central_directory(tail)
    except NoEndRecord:
        meta.add("Note", "unreadable archive")
        return
    if directory.entries > MAX_ARCHIVE_ENTRIES or directory.size > MAX_CENTRAL_DIRECTORY_BYTES:
        meta.add("Note", "too many entries to inspect")
        meta.incomplete = True
        return
    try:
        archive = zipfile.ZipFile(source)
        names = set(archive.namelist())
    except keys.AgeError:
        raise  # the file failed authentication: damaged, not merely unreadable
    except Exception:
        # Any failure to open a hostile archive reads as "unreadable", never as a 500.
        meta.add("Note", "unreadable archive")
        return
    texts: dict[str, str | None] = {}
    for member, tag, label in _OFFICE_FIELDS:
        deadline.check()
        if member not in names:
            continue
        if member not in texts:
            texts[member] = _member_text(archive, member)
            if texts[member] is None:
                meta.add("Note", f"unreadable archive member {member}")
        xml = texts[member]
        value = None if xml is None else element_text(xml, tag)
        if value:
            meta.add(label, value)


def _member_text(archive: zipfile.ZipFile, member: str) -> str | None:
    try:
        # Bounded read: a zip bomb's member inflates no further than this.
        with archive.open(member) as stream:
            return stream.read(MAX_XML_BYTES).decode("utf-8", "replace")
    except keys.AgeError:
        raise
    except Exception:
        # Encrypted members (RuntimeError), unknown methods (NotImplementedError),
        # corrupt deflate (zlib.error), bad CRCs: one hostile member must not
        # break the case page, so every failure reads as "unreadable".
        return None


def element_text(xml: str, tag: str) -> str | None:
    """The text of the first `<tag ...>text</` in `xml`, found in one linear pass.

    No regular expression: reporter-supplied XML must not be able to make the
    search backtrack. Each candidate start advances the scan past its own `>`.
    """
    opening = f"<{tag}"
    position = 0
    while (start := xml.find(opening, position)) != -1:
        after = start + len(opening)
        end = xml.find(">", after)
        if end == -1:
            return None  # no tag can close after this point
        position = end + 1
        if after < end and not xml[after].isspace():
            continue  # a longer tag name that starts the same (<dc:creatorX>)
        if xml[end - 1] == "/":
            continue  # self-closing: no text
        text_end = xml.find("<", position, position + MAX_OFFICE_VALUE_CHARS + 1)
        if text_end != -1 and xml.startswith("</", text_end):
            return xml[position:text_end]
    return None
