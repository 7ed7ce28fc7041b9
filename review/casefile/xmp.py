"""What an XMP packet says about its maker: people, software, devices, times and places.

XMP (ISO 16684-1) is RDF/XML that PDF catalogs, HEIC and JPEG photos and
most editors' files carry. A property is named by its namespace and local
name; the prefixes (`dc:`, `xmp:`) are the writer's choice, so PROPERTIES is
keyed by namespace URI, never by prefix. A property's value may be an
attribute of rdf:Description, an element's text, or the items (rdf:li) of an
array or the fields of a structure below it (IPTC's LocationShown holds its
City), so a wanted property is looked for at any depth.

The parser is expat, from the standard library, with DTDs refused: XMP has no
use for one, and without a DTD no entity can be declared, so no entity
expansion (billion laughs, quadratic blowup) or external entity is possible.
The packet is read at most MAX_XMP_BYTES and scanned in one pass by expat's
linear-time tokenizer; a packet that is malformed, has a DTD, or is longer
than the bound keeps what was read before the problem and says it is incomplete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NoReturn
from xml.parsers import expat

# Real packets are a few KiB; Adobe's writers pad them with 2-4 KiB of spaces.
MAX_XMP_BYTES = 256 * 1024
# A property's text is kept this far (FileMetadata cuts values shorter still).
MAX_PROPERTY_CHARS = 1000
# Values of one property (items of an array): a list of authors, not a flood.
MAX_ITEMS = 20

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_XMP = "http://ns.adobe.com/xap/1.0/"
_XMP_RIGHTS = "http://ns.adobe.com/xap/1.0/rights/"
_PDF = "http://ns.adobe.com/pdf/1.3/"
_TIFF = "http://ns.adobe.com/tiff/1.0/"
_EXIF = "http://ns.adobe.com/exif/1.0/"
_EXIF_AUX = "http://ns.adobe.com/exif/1.0/aux/"
_EXIF_EX = "http://cipa.jp/exif/1.0/"
_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
_IPTC_CORE = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
_IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"

# The labels are attachment_metadata.py's (and its warnings follow from them):
# xmp:CreatorTool and pdf:Producer are the XMP names of a PDF Info dictionary's
# Creator and Producer (ISO 32000-1, 14.3.2), so they get the same labels, and
# a value both say is shown once.
PROPERTIES: dict[tuple[str, str], str] = {
    (_DC, "creator"): "Author",
    (_DC, "rights"): "Copyright",
    (_PDF, "Author"): "Author",  # not in the PDF schema, but some writers put it there
    (_PDF, "Producer"): "Software",
    (_XMP, "CreatorTool"): "Creator",
    (_XMP, "CreateDate"): "Created",
    (_XMP, "ModifyDate"): "Modified",
    (_XMP_RIGHTS, "Owner"): "Copyright",
    (_TIFF, "Make"): "Device maker",
    (_TIFF, "Model"): "Device model",
    (_TIFF, "Software"): "Software",
    (_TIFF, "Artist"): "Artist",
    (_TIFF, "DateTime"): "Modified",
    (_EXIF, "DateTimeOriginal"): "Taken",
    (_EXIF, "DateTimeDigitized"): "Digitised",
    (_EXIF, "GPSLatitude"): "GPS latitude",
    (_EXIF, "GPSLongitude"): "GPS longitude",
    (_EXIF_EX, "BodySerialNumber"): "Device serial number",
    (_EXIF_EX, "CameraOwnerName"): "Camera owner",
    (_EXIF_EX, "LensModel"): "Lens model",
    (_EXIF_AUX, "SerialNumber"): "Device serial number",
    (_EXIF_AUX, "OwnerName"): "Camera owner",
    (_EXIF_AUX, "Lens"): "Lens model",
    (_PHOTOSHOP, "DateCreated"): "Taken",
    (_PHOTOSHOP, "City"): "Place",
    (_PHOTOSHOP, "State"): "Place",
    (_PHOTOSHOP, "Country"): "Place",
    (_IPTC_CORE, "Location"): "Place",
    (_IPTC_CORE, "CountryCode"): "Place",
    (_IPTC_EXT, "City"): "Place",
    (_IPTC_EXT, "ProvinceState"): "Place",
    (_IPTC_EXT, "CountryName"): "Place",
    (_IPTC_EXT, "Sublocation"): "Place",
    (_IPTC_EXT, "LocationName"): "Place",
}
_DATES = frozenset({"Created", "Modified", "Taken", "Digitised"})
_COORDINATE_LABELS = ("GPS latitude", "GPS longitude")
_SEPARATOR = " "  # between namespace and local name: neither can contain a space


@dataclass
class XmpReading:
    """The labelled values a packet holds, in document order, and whether all of it was read."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    complete: bool = True


class _Refused(Exception):
    """The packet declares a DTD or an entity, which XMP never needs."""


@dataclass
class _Capture:
    """The text of one wanted property being read: its items, or its one value."""

    label: str
    depth: int
    items: list[str] = field(default_factory=lambda: [""])


class _Reader:
    """expat's callbacks: each wanted property's value, from attributes or from text below it."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []
        self.depth = 0
        self.root_closed = False
        self.capture: _Capture | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        for attribute, value in attributes.items():
            label = PROPERTIES.get(_split(attribute))
            if label is not None:
                self.found.append((label, value[:MAX_PROPERTY_CHARS]))
        capture = self.capture
        if capture is None:
            label = PROPERTIES.get(_split(name))
            if label is not None:
                self.capture = _Capture(label, self.depth)
                resource = attributes.get(_RDF + _SEPARATOR + "resource")
                if resource:
                    self.capture.items[0] = resource[:MAX_PROPERTY_CHARS]
        elif name == _RDF + _SEPARATOR + "li" and len(capture.items) < MAX_ITEMS:
            capture.items.append("")

    def text(self, data: str) -> None:
        capture = self.capture
        if capture is not None and len(capture.items[-1]) < MAX_PROPERTY_CHARS:
            capture.items[-1] += data[: MAX_PROPERTY_CHARS - len(capture.items[-1])]

    def end(self, name: str) -> None:
        capture = self.capture
        if capture is not None and capture.depth == self.depth:
            value = "; ".join(item.strip() for item in capture.items if item.strip())
            if value:
                self.found.append((capture.label, value))
            self.capture = None
        self.depth -= 1
        if self.depth == 0:
            self.root_closed = True


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(_SEPARATOR)
    return namespace, local


def _refuse(*_: object) -> NoReturn:
    raise _Refused


def read_xmp(packet: bytes) -> XmpReading:
    """The labelled properties of `packet` (at most MAX_XMP_BYTES of it are read)."""
    reading = XmpReading()
    if len(packet) > MAX_XMP_BYTES:
        packet = packet[:MAX_XMP_BYTES]
        reading.complete = False
    reader = _Reader()
    # The encoding is decided here, not by the packet's declaration, which
    # expat would otherwise hand to any Python codec it names (a hostile
    # encoding="rot13" or "bogus" raises out of the parser; see _utf8).
    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=_SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        # HEIC writers end the item with NUL bytes, PDF streams with a newline.
        parser.Parse(_utf8(packet).rstrip(b"\x00 \t\r\n"), True)
    except (expat.ExpatError, _Refused):
        # What came after the document element (padding, junk) changes nothing read.
        if not reader.root_closed:
            reading.complete = False
    reading.fields = _readable(reader.found)
    return reading


# XMP is UTF-8, UTF-16 or UTF-32 (ISO 16684-1, 7.3.1), told apart by the first bytes
# (a byte order mark, or the zero bytes around the opening "<"); anything else is read as UTF-8.
_ENCODINGS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
              (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
              (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
              (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"))


def _utf8(packet: bytes) -> bytes:
    """`packet` in UTF-8, the one encoding the parser is told the input has."""
    for start, codec in _ENCODINGS:
        if packet.startswith(start):
            # Undecodable bytes become U+FFFD: what can be read still is.
            return packet.decode(codec, "replace").lstrip("\ufeff").encode("utf-8")
    return packet


def _readable(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Dates as the PDF reader shows them, and the two GPS coordinates as one location."""
    shown: list[tuple[str, str]] = []
    coordinates: dict[str, str] = {}
    for label, value in found:
        if label in _COORDINATE_LABELS:
            coordinates.setdefault(label, value)
        else:
            shown.append((label, readable_xmp_date(value) if label in _DATES else value))
    latitude, longitude = (coordinates.get(label) for label in _COORDINATE_LABELS)
    if latitude or longitude:
        shown.append(("GPS location", _location(latitude or "?", longitude or "?")))
    return shown


# XMP dates are ISO 8601 (ISO 16684-1, 8.2.1.1): YYYY[-MM[-DD[Thh:mm[:ss[.s+]][TZD]]]].
_XMP_DATE = re.compile(
    r"(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.\d{1,9})?(?P<zone>Z|[+-]\d{2}:\d{2})?)?")


def readable_xmp_date(text: str) -> str:
    """`2026-12-01T19:08:39Z` as `2026-12-01 19:08:39 +00:00` (the PDF dates' form); else as is."""
    match = _XMP_DATE.fullmatch(text.strip())
    if match is None:
        return text
    shown = match["date"]
    if match["time"]:
        shown += " " + match["time"]
        if match["zone"]:
            shown += " " + ("+00:00" if match["zone"] == "Z" else match["zone"])
    return shown


# An XMP GPS coordinate (the EXIF schema's GPSCoordinate): "DDD,MM,SSk" or "DDD,MM.mmk".
_COORDINATE = re.compile(
    r"(\d{1,3}),(\d{1,2}(?:\.\d{1,12})?)(?:,(\d{1,2}(?:\.\d{1,12})?))?([NSEW])")


def _location(latitude: str, longitude: str) -> str:
    """Decimal degrees, as the EXIF reader shows them; the file's own text when not in that form."""
    degrees = [_degrees(latitude.strip()), _degrees(longitude.strip())]
    if degrees[0] is None or degrees[1] is None:
        return f"{latitude}, {longitude}"
    return f"{degrees[0]:.5f}, {degrees[1]:.5f}"


def _degrees(coordinate: str) -> float | None:
    match = _COORDINATE.fullmatch(coordinate)
    if match is None:
        return None
    whole, minutes, seconds, direction = match.groups()
    value = int(whole) + float(minutes) / 60 + float(seconds or 0) / 3600
    return -value if direction in "SW" else value
