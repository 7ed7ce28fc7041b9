"""A copy of a photo without what its metadata says about the person who took it.

The copy is made from pixels alone: the image is decoded, turned upright by its
EXIF orientation, copied into a fresh image that has no metadata at all, and
encoded again in its own format. Nothing of the original's container (EXIF,
GPS, XMP, IPTC, ICC profile, comments, text chunks, maker notes) can survive
that, including what no list of tags foresaw, which is why this re-encodes
rather than deletes known tags. What was there is read from the original first
and listed by kind and name, never by value: the list travels with the copy
(data/derivatives/), and must not carry the location it removed.

Pillow (with pillow-heif for HEIC), not mat2: Pillow decodes in this process
from memory, under a pixel bound checked before any pixel is decoded, so a
plaintext attachment never touches the disk and a hostile file costs bounded
memory; mat2 works on files (a plaintext copy on disk), pulls GdkPixbuf,
Poppler and GObject in through Debian, and for images does the same thing
(re-render the pixels) with less control. The result is checked independently
with exiftool in the tests.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pillow_heif
from PIL import ExifTags, Image, ImageOps, TiffImagePlugin

from review.casefile.attachment_metadata import HEIF_BRANDS, inspect
from review.errors import ReviewError

# HEIC, the iPhone camera's format, through libheif (bundled in pillow-heif's
# wheels): Pillow can then open it as "HEIF", here and wherever Pillow is used.
pillow_heif.register_heif_opener()

# A 50-megapixel phone photo is 50 million pixels; decoding costs about four
# bytes a pixel, and the upright and fresh copies as much again, so this bound
# holds one clean copy under about a gigabyte. Larger images are refused.
MAX_PIXELS = 64_000_000
JPEG_QUALITY = 95

# Media type -> Pillow format. GIF, AVIF, JPEG XL and the rest are refused.
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP",
           "image/tiff": "TIFF", "image/heic": "HEIF", "image/heif": "HEIF"}
# How each format's files begin; the rest of the header is Pillow's to read.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "JPEG": (b"\xff\xd8\xff",), "PNG": (b"\x89PNG\r\n\x1a\n",), "WEBP": (),
    "TIFF": (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), "HEIF": (),  # TIFF, BigTIFF
}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
            "image/tif": "image/tiff"}

_GPS_IFD, _EXIF_IFD, _INTEROP_IFD = 0x8825, 0x8769, 0xA005
_DEVICE_TAGS = frozenset({"Make", "Model", "Software", "BodySerialNumber", "CameraOwnerName",
                          "LensMake", "LensModel", "LensSerialNumber", "MakerNote",
                          "HostComputer", "ImageUniqueID"})
_TIME_TAGS = frozenset({"DateTime", "DateTimeOriginal", "DateTimeDigitized", "OffsetTime",
                        "OffsetTimeOriginal", "OffsetTimeDigitized", "SubsecTime",
                        "SubsecTimeOriginal", "SubsecTimeDigitized"})
_PERSON_TAGS = frozenset({"Artist", "Copyright", "ImageDescription", "UserComment",
                          "XPAuthor", "XPComment", "XPTitle", "XPSubject", "XPKeywords"})
# TIFF tags that describe the pixels, not the picture's history: kept by the
# re-encoding in their own form, so not listed as removed.
_STRUCTURE_TAGS = frozenset({"ImageWidth", "ImageLength", "BitsPerSample", "Compression",
                             "PhotometricInterpretation", "StripOffsets", "SamplesPerPixel",
                             "RowsPerStrip", "StripByteCounts", "PlanarConfiguration",
                             "ExifOffset", "GPSInfo", "Orientation", "XResolution",
                             "YResolution", "ResolutionUnit", "TileWidth", "TileLength",
                             "TileOffsets", "TileByteCounts", "ExtraSamples", "SampleFormat",
                             "Predictor", "FillOrder", "YCbCrSubSampling", "YCbCrPositioning",
                             "JPEGInterchangeFormat", "JPEGInterchangeFormatLength",
                             "ColorMap", "InterColorProfile", "XMLPacket", "IptcNAAInfo"})
_TIFF_XMP, _TIFF_IPTC, _TIFF_ICC, _TIFF_PHOTOSHOP = 700, 33723, 34675, 34377


class ImageCleaningError(ReviewError):
    """An image of which no clean copy can be made; the original stays as it is."""


class UncleanableType(ImageCleaningError):
    """The file is not an image type whose metadata Haven can remove (HEIC, GIF, PDF, ...)."""


class UnreadableImage(ImageCleaningError):
    """The image is damaged, truncated, animated or too large to decode within bounds."""


@dataclass(frozen=True)
class StrippedImage:
    """The clean copy, its media type, and what the original carried that it does not."""

    data: bytes
    media_type: str
    removed: tuple[str, ...]


def strip_image_metadata(data: bytes, media_type: str) -> StrippedImage:
    """A copy of the image in `data` made of its pixels only, upright.

    `media_type` is the type the caller holds the file to be; the bytes must
    agree (a mismatch is refused: the copy would be labelled wrongly).
    Raises UncleanableType or UnreadableImage; never returns the original.
    """
    wanted = _ALIASES.get(media_type.lower(), media_type.lower())
    pillow_format = FORMATS.get(wanted)
    if pillow_format is None:
        raise UncleanableType(f"no metadata-free copy can be made of {media_type} files")
    if not (data.startswith(_MAGIC[pillow_format]) or _is_webp(data, pillow_format)
            or _is_heif(data, pillow_format)):
        raise UncleanableType(f"the file is not a {pillow_format} image, as {media_type} says")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own bound; here any excess is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as original:
                _check_bounds(original)
                removed = tuple(dict.fromkeys(_metadata_present(original)))
                clean = _pixels_only(original)
    except ImageCleaningError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UnreadableImage(f"the image has more than the {MAX_PIXELS:,} pixels a clean "
                              "copy may be made of") from None
    except Exception as error:
        # Hostile bytes fail inside decoders in ways no list foresees (OSError
        # for truncation, SyntaxError, ValueError, struct.error, EOFError,
        # UnidentifiedImageError for a damaged header...): each is the same
        # verdict for the reviewer, and nothing is passed through.
        raise UnreadableImage(f"the {pillow_format} image cannot be decoded: "
                              f"{type(error).__name__}") from error
    removed += tuple(_warned_but_unlisted(data, removed))
    return StrippedImage(_encode(clean, pillow_format), wanted, removed)


def _is_webp(data: bytes, pillow_format: str) -> bool:
    return pillow_format == "WEBP" and data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _is_heif(data: bytes, pillow_format: str) -> bool:
    return pillow_format == "HEIF" and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def _check_bounds(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise UnreadableImage(f"the image is {width}×{height} pixels, more than the "
                              f"{MAX_PIXELS:,} a clean copy may be made of")
    # A phone's JPEG is often MPO: the photo, then a preview or depth map that
    # are part of its container, not of the picture. Any other second frame is
    # a picture of its own (animation, page), which a copy must not drop.
    if getattr(image, "n_frames", 1) > 1 and image.format != "MPO":
        raise UnreadableImage("the image has several frames (animation or pages); "
                              "a clean copy of only the first would lose evidence")


def _pixels_only(original: Image.Image) -> Image.Image:
    """The upright pixels in a new image that carries no metadata at all."""
    upright = ImageOps.exif_transpose(original)
    if upright.mode == "P":
        upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
    # frombytes builds an image from the raw pixels alone: no info, no EXIF, no profile.
    return Image.frombytes(upright.mode, upright.size, upright.tobytes())


def _encode(image: Image.Image, pillow_format: str) -> bytes:
    if pillow_format == "JPEG" and image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    elif pillow_format == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    options = _ENCODER_OPTIONS[pillow_format]
    out = io.BytesIO()
    image.save(out, format=pillow_format, **options)
    return out.getvalue()


# No option asks for metadata: Pillow writes none unless given exif=, icc_profile=, pnginfo=.
_ENCODER_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": JPEG_QUALITY},
    "WEBP": {"quality": JPEG_QUALITY},
    "PNG": {},
    "TIFF": {"compression": "tiff_lzw"},
    "HEIF": {"quality": JPEG_QUALITY},
}


def _metadata_present(image: Image.Image) -> Iterator[str]:
    """What `image` carries about its making, by kind and name, without values."""
    exif = image.getexif()
    for tag in exif:
        name = ExifTags.TAGS.get(tag, f"tag 0x{tag:04X}")
        if tag == _GPS_IFD:
            gps = exif.get_ifd(_GPS_IFD)
            names = sorted(ExifTags.GPSTAGS.get(key, f"0x{key:04X}") for key in gps)
            yield f"location: EXIF GPS ({', '.join(names) or 'empty'})"
        elif tag == _EXIF_IFD:
            for sub in exif.get_ifd(_EXIF_IFD):
                if sub != _INTEROP_IFD:
                    yield _exif_entry(ExifTags.TAGS.get(sub, f"tag 0x{sub:04X}"))
        elif name not in _STRUCTURE_TAGS:
            yield _exif_entry(name)
    if image.format == "MPO":
        yield f"MPO secondary images ({getattr(image, 'n_frames', 1) - 1}: previews, depth maps)"
    info = image.info
    for key, label in (("thumbnails", "HEIF thumbnails"), ("depth_images", "HEIF depth maps"),
                       ("aux", "HEIF auxiliary images"), ("metadata", "HEIF metadata boxes")):
        if info.get(key):
            yield label
    if info.get("xmp") or "XML:com.adobe.xmp" in info:
        yield "XMP packet"
    if info.get("photoshop"):
        yield "IPTC / Photoshop record"
    if info.get("icc_profile"):
        yield "ICC colour profile (its description may name the device)"
    if info.get("comment"):
        yield "comment"
    for key in getattr(image, "text", {}) or {}:
        if key != "XML:com.adobe.xmp":
            yield f"PNG text chunk: {key}"
    if isinstance(image, TiffImagePlugin.TiffImageFile):
        tags = image.tag_v2
        for tag, label in ((_TIFF_XMP, "XMP packet"), (_TIFF_IPTC, "IPTC record"),
                           (_TIFF_PHOTOSHOP, "IPTC / Photoshop record"),
                           (_TIFF_ICC, "ICC colour profile (its description may name the device)")):
            if tag in tags:
                yield label


# What the case view warns of (review/casefile/attachment_metadata.py), the kinds of
# removed entries that already account for it, and the entry that says it otherwise.
_WARNED = (("location", ("location",), "location: a place or GPS position the case view read"),
           ("identity", ("device", "person"),
            "person: a device or a person the case view read as named"),
           ("maker note", ("device",), "device: a camera maker's private data (maker note)"))


def _warned_but_unlisted(data: bytes, removed: tuple[str, ...]) -> Iterator[str]:
    """What the case view warned of that Pillow's reading did not list: Photoshop's EXIF,
    a PNG's raw profiles, an Interop IFD are read there and not by Pillow, and the copy's
    record (its audit entry, the export's log) must not leave out a location it removed."""
    kinds = {entry.partition(":")[0] for entry in removed if ":" in entry}
    warnings = inspect(data).warnings
    for warning, covering, entry in _WARNED:
        if warning in warnings and not kinds.intersection(covering):
            yield entry


def _exif_entry(name: str) -> str:
    if name in _DEVICE_TAGS:
        kind = "device"
    elif name in _TIME_TAGS:
        kind = "time"
    elif name in _PERSON_TAGS:
        kind = "person"
    else:
        kind = "other"
    return f"{kind}: EXIF {name}"
