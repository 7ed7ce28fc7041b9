"""A PNG's text chunks (tEXt, zTXt, iTXt) and the raw profiles ImageMagick hides in them.

zTXt, and iTXt with its compression flag set (any value but 0), hold zlib-compressed text. A
hostile reporter can compress gigabytes of one byte into a few kilobytes, so
text is inflated through zlib.decompressobj with max_length: zlib stops once
it has produced that many bytes, which bounds both the memory and the work of
one chunk, whatever its input claims. The caller gives each chunk a bound and
keeps a budget for the whole file.

ImageMagick (and exiftool, for IPTC) keeps metadata a PNG has no chunk for as
text named "Raw profile type <kind>": a line break, a line naming the kind,
a line giving the payload's length in bytes, then the payload in hexadecimal,
in lines (exiftool's PNG.pm, ProcessProfile). The payload is an EXIF block
(TIFF, or "Exif\\0\\0" and a TIFF), an XMP packet, an IPTC record, Photoshop's
image resources, or for APP1 a JPEG segment's body: EXIF or XMP.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

# What a text chunk's compressed text is inflated to at most: a raw profile of
# a 256 KiB XMP packet or Photoshop's resources is about 520 KiB of hexadecimal.
MAX_INFLATED_BYTES = 1024 * 1024
# The only compression method PNG defines (zlib's deflate).
_DEFLATE = 0
_RAW_PROFILE = b"raw profile type "
# The kinds read, by the name after _RAW_PROFILE (lower case): ICC profiles are not.
RAW_PROFILE_KINDS = frozenset({"exif", "app1", "xmp", "iptc", "8bim"})
# The blanks Perl's \s and split(' ') know, which exiftool steps over in a profile's
# header and between its digits: space, tab, line breaks, form feed, vertical tab.
_BLANKS = b" \t\n\r\f\v"
# A line break, the kind's line (exiftool takes any; this one, as long as the
# PNG keyword bound a thousand times over), its length's (blanks then at most 10
# digits), then the hexadecimal; every repeat bounded, and the kind's line can
# hold no line break, so a match costs one pass over at most that many bytes.
_HEADER = re.compile(rb"\n[^\n]{0,4096}\n[ \t\n\r\f\v]{0,64}([0-9]{1,10})\n")
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]*")


@dataclass(frozen=True)
class PngText:
    """A text chunk's keyword and text, whether it was compressed (its inflating then counts
    against the file's budget), and whether all of its text was read."""

    keyword: bytes
    text: bytes
    compressed: bool
    whole: bool
    # The inflating it cost, charged to the file's budget (0 for text not compressed).
    cost: int = 0


@dataclass(frozen=True)
class Inflated:
    """What a zlib stream inflated to within its bound, whether that was all of it, and the
    bytes of inflating it cost, which the caller charges to the file's budget."""

    data: bytes
    whole: bool
    cost: int


@dataclass(frozen=True)
class RawProfile:
    """A raw profile's kind ("exif", "xmp" ...), its payload, and whether all of it was read."""

    kind: str
    payload: bytes
    whole: bool


def text_chunk(kind: bytes, body: bytes, *, most_bytes: int) -> PngText:
    """The keyword and text of a tEXt, zTXt or iTXt chunk's `body`, inflated to `most_bytes`.

    A compression method other than deflate, a stream that is corrupt or cut
    short, and text past the bound give what was inflated, not whole.
    """
    keyword, _, rest = body.partition(b"\x00")
    if kind == b"tEXt":
        return PngText(keyword, rest, compressed=False, whole=True)
    if kind == b"zTXt":
        return _inflated(keyword, rest[:1], rest[1:], most_bytes)
    # iTXt: compression flag and method, then language tag and translated keyword.
    flag, method = rest[:1], rest[1:2]
    text = rest[2:].split(b"\x00", 2)[-1]
    # The specification's flag is 0 or 1; exiftool inflates the text of any flag but 0.
    if flag not in (b"", b"\x00"):
        return _inflated(keyword, method, text, most_bytes)
    return PngText(keyword, text, compressed=False, whole=True)


def _inflated(keyword: bytes, method: bytes, data: bytes, most_bytes: int) -> PngText:
    if method != bytes([_DEFLATE]):
        return PngText(keyword, b"", compressed=True, whole=False)  # nothing inflated
    inflated = inflate(data, most_bytes=most_bytes)
    return PngText(keyword, inflated.data, compressed=True, whole=inflated.whole,
                   cost=inflated.cost)


def inflate(data: bytes, *, most_bytes: int) -> Inflated:
    """The zlib stream `data` inflated to at most `most_bytes`: whole only if it ended there.

    A stream that is corrupt gives nothing, and costs the whole bound: zlib may
    have inflated that much before it met the damage, so a file of thousands of
    streams each corrupt just before its bound costs no more than bombs would.
    One cut short or past the bound gives what came out, not whole.
    """
    if most_bytes <= 0:
        return Inflated(b"", whole=False, cost=0)
    inflater = zlib.decompressobj()
    try:
        # One byte past the bound tells a text that was cut from one that fits.
        text = inflater.decompress(data, most_bytes + 1)
    except zlib.error:
        return Inflated(b"", whole=False, cost=most_bytes)
    if len(text) > most_bytes:
        return Inflated(text[:most_bytes], whole=False, cost=most_bytes)
    return Inflated(text, whole=inflater.eof, cost=len(text))


def raw_profile_kind(keyword: bytes) -> str | None:
    """The kind a "Raw profile type <kind>" keyword names, if it is one read here."""
    if not keyword.lower().startswith(_RAW_PROFILE):
        return None
    kind = keyword[len(_RAW_PROFILE) :].decode("latin-1").lower()
    return kind if kind in RAW_PROFILE_KINDS else None


def raw_profile(kind: str, text: bytes) -> RawProfile:
    """The payload of a raw profile's `text`; not whole if its header is not there, its
    hexadecimal stops before the text does, or its length is not the payload's.

    As exiftool does, every blank is stepped over (a line may break between a
    byte's two digits) and the bytes there are are read: the digits up to the
    first that is not one, an odd last digit dropped (a text cut at its bound
    mid-byte still gives every byte before), a wrong length warned of.
    """
    header = _HEADER.match(text)
    if header is None:
        return RawProfile(kind, b"", whole=False)
    digits = text[header.end() :].translate(None, _BLANKS)
    run = _HEX_DIGITS.match(digits)
    hexadecimal = run.group() if run is not None else b""
    payload = bytes.fromhex(hexadecimal[: len(hexadecimal) & ~1].decode("ascii"))
    whole = len(hexadecimal) == len(digits) and len(payload) * 2 == len(hexadecimal)
    return RawProfile(kind, payload, whole=whole and len(payload) == int(header.group(1)))
