"""Redacted copies: photos without location, device and time; report text without marked strings.

Each clean copy is read back with exiftool, which shares no code with Pillow,
and searched byte by byte for what its original said.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from review.export.derivatives import (
    MARKER,
    RedactedText,
    StrippedImage,
    UncleanableType,
    UnreadableImage,
    redact_report_text,
    strip_image_metadata,
)
from tests.support import require_program

# What the photos below give away, as it appears in their bytes.
SECRETS = (b"Apple", b"iPhone 15", b"2026:11:30", b"Li Wei", b"48.8583", b"SN-0042",
           b"Haven test camera profile")
# exiftool groups that are metadata in themselves; File and ExifTool describe the copy on disk.
FORBIDDEN_GROUPS = {"XMP", "IPTC", "ICC_Profile", "Photoshop", "MakerNotes"}
FORBIDDEN_WORDS = ("GPS", "Make", "Model", "Serial", "Software", "Artist", "Copyright", "Author",
                   "Comment", "Date", "Owner", "Lens", "By-line", "Description")
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
       b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
       b'dc:creator="Li Wei"/></rdf:RDF></x:xmpmeta>')
# Not a valid profile, which Pillow neither needs nor checks: its bytes are what must go.
ICC = b"\x00\x00\x01\x00Haven test camera profile" + b"\x00" * 100


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15"
    exif[0x0131] = "Camera 17.1"
    exif[0x0132] = "2026:11:30 10:00:00"
    exif[0x013B] = "Li Wei"
    exif[0x0112] = 6  # rotate 90° clockwise to display
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2026:11:30 10:00:00"
    sub[0xA431] = "SN-0042"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.88)  # 48.8583° N
    gps[3], gps[4] = "E", (2.0, 17.0, 40.2)
    return exif


def _picture(mode: str = "RGB") -> Image.Image:
    """40×20: red left half, blue right half, so orientation shows in the pixels."""
    image = Image.new("RGB", (40, 20), (220, 0, 0))
    image.paste((0, 0, 220), (20, 0, 40, 20))
    return image.convert(mode)


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg_with_everything() -> bytes:
    out = io.BytesIO()
    _picture().save(out, "JPEG", exif=_exif().tobytes(), icc_profile=ICC, comment=b"Li Wei")
    data = out.getvalue()
    xmp = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)
    iptc_record = b"\x1c\x02\x50" + struct.pack(">H", 6) + b"Li Wei"  # 2:80 By-line
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc_record)) + iptc_record
    iptc = _segment(0xED, b"Photoshop 3.0\x00" + resource)
    return data[:2] + xmp + iptc + data[2:]


def png_with_everything() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Li Wei")
    info.add_text("Creation Time", "2026:11:30 10:00:00")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    _picture().save(out, "PNG", pnginfo=info, exif=_exif().tobytes(), icc_profile=ICC)
    return out.getvalue()


def webp_with_everything() -> bytes:
    out = io.BytesIO()
    _picture().save(out, "WEBP", exif=_exif().tobytes(), xmp=XMP, icc_profile=ICC, quality=90)
    return out.getvalue()


def tiff_with_everything() -> bytes:
    """Pillow writes TIFF's own tags but no EXIF or GPS sub-IFD: exiftool adds those."""
    exiftool = require_program("exiftool", "apt install libimage-exiftool-perl")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "photo.tif"
        _picture().save(path, "TIFF", exif=_exif(), icc_profile=ICC)
        subprocess.run([exiftool, "-q", "-overwrite_original", "-GPSLatitude=48.8583",
                        "-GPSLatitudeRef=N", "-GPSLongitude=2.2945", "-GPSLongitudeRef=E",
                        "-DateTimeOriginal=2026:11:30 10:00:00", "-SerialNumber=SN-0042",
                        "-XMP-dc:Creator=Li Wei", "-IPTC:By-line=Li Wei", str(path)],
                       check=True)
        return path.read_bytes()


def heic_with_everything() -> bytes:
    """An iPhone's format; pillow-heif turns it upright on opening, as its viewers do."""
    out = io.BytesIO()
    _picture().save(out, "HEIF", exif=_exif().tobytes(), xmp=XMP, icc_profile=ICC, quality=90)
    return out.getvalue()


CASES = {
    "image/heic": heic_with_everything,
    "image/jpeg": jpeg_with_everything,
    "image/png": png_with_everything,
    "image/webp": webp_with_everything,
    "image/tiff": tiff_with_everything,
}


def _exiftool(data: bytes, tmp_path: Path) -> dict[str, object]:
    exiftool = require_program("exiftool", "apt install libimage-exiftool-perl")
    path = tmp_path / "image"
    path.write_bytes(data)
    output = subprocess.run([exiftool, "-j", "-G", "-a", "-u", str(path)],
                            capture_output=True, text=True, check=True).stdout
    found: dict[str, object] = json.loads(output)[0]
    return found


def _revealing(tags: dict[str, object]) -> list[str]:
    revealing = []
    for key in tags:
        group, _, name = key.partition(":")
        if group in ("File", "ExifTool", "SourceFile") or key == "SourceFile":
            continue
        if group in FORBIDDEN_GROUPS or any(word in name for word in FORBIDDEN_WORDS):
            revealing.append(key)
    return revealing


@pytest.mark.parametrize("media_type", sorted(CASES))
def test_originals_carry_what_the_copies_must_not(media_type: str, tmp_path: Path) -> None:
    """The fixtures really hold GPS, device and time: else the next test proves nothing."""
    tags = _exiftool(CASES[media_type](), tmp_path)
    names = " ".join(tags)
    for needed in ("GPSLatitude", "Make", "Model", "DateTimeOriginal"):
        assert needed in names, (media_type, needed)


@pytest.mark.parametrize("media_type", sorted(CASES))
def test_copies_carry_no_location_device_or_time(media_type: str, tmp_path: Path) -> None:
    original = CASES[media_type]()
    stripped = strip_image_metadata(original, media_type)
    assert isinstance(stripped, StrippedImage) and stripped.media_type == media_type
    assert _revealing(_exiftool(stripped.data, tmp_path)) == []
    for secret in SECRETS:
        assert secret not in stripped.data, secret
    removed = " ".join(stripped.removed)
    for kind in ("location: EXIF GPS", "device: EXIF Make", "device: EXIF Model",
                 "time: EXIF DateTimeOriginal", "person: EXIF Artist", "ICC colour profile"):
        assert kind in removed, (media_type, kind)
    # The log names what was there, never what it said.
    for secret in SECRETS:
        assert secret.decode() not in removed


def test_jpeg_log_names_xmp_iptc_and_comment() -> None:
    removed = strip_image_metadata(jpeg_with_everything(), "image/jpeg").removed
    assert {"XMP packet", "IPTC / Photoshop record", "comment"} <= set(removed)


def test_png_log_names_text_chunks() -> None:
    removed = strip_image_metadata(png_with_everything(), "image/png").removed
    assert {"PNG text chunk: Author", "PNG text chunk: Creation Time", "XMP packet"} <= set(removed)


@pytest.mark.parametrize("media_type", sorted(CASES))
def test_copies_are_upright(media_type: str) -> None:
    """Orientation 6 turned into pixels: the red left half is now on top."""
    stripped = strip_image_metadata(CASES[media_type](), media_type)
    with Image.open(io.BytesIO(stripped.data)) as copy:
        assert copy.size == (20, 40)
        rgb = copy.convert("RGB")
        top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_a_photo_without_metadata_has_nothing_to_list() -> None:
    out = io.BytesIO()
    _picture("L").save(out, "PNG")
    stripped = strip_image_metadata(out.getvalue(), "image/png")
    assert stripped.removed == ()
    with Image.open(io.BytesIO(stripped.data)) as copy:
        assert copy.size == (40, 20) and copy.mode == "L"


def test_palette_images_keep_their_transparency() -> None:
    image = _picture().convert("P")
    image.info["transparency"] = 0
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    with Image.open(io.BytesIO(strip_image_metadata(out.getvalue(), "image/png").data)) as copy:
        assert copy.mode == "RGBA"


@pytest.mark.parametrize("media_type", ["image/gif", "image/avif", "application/pdf",
                                        "text/plain"])
def test_types_it_cannot_clean_are_refused(media_type: str) -> None:
    with pytest.raises(UncleanableType, match=media_type):
        strip_image_metadata(b"GIF89a" + b"\x00" * 64, media_type)


def test_a_damaged_heic_is_refused() -> None:
    with pytest.raises(UnreadableImage, match="HEIF image cannot be decoded"):
        strip_image_metadata(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "image/heic")


def test_bytes_of_another_type_are_refused() -> None:
    with pytest.raises(UncleanableType, match="not a JPEG image, as image/jpeg says"):
        strip_image_metadata(png_with_everything(), "image/jpeg")


def test_the_type_may_be_spelled_as_browsers_do() -> None:
    assert strip_image_metadata(jpeg_with_everything(), "image/JPG").media_type == "image/jpeg"


def test_a_truncated_photo_is_refused() -> None:
    data = jpeg_with_everything()
    with pytest.raises(UnreadableImage, match="cannot be decoded"):
        strip_image_metadata(data[: len(data) - 200], "image/jpeg")


def test_garbage_is_refused() -> None:
    with pytest.raises(UnreadableImage, match="PNG image cannot be decoded"):
        strip_image_metadata(b"\x89PNG\r\n\x1a\n" + b"\xff" * 100, "image/png")


def test_animations_are_refused_rather_than_cut_to_one_frame() -> None:
    out = io.BytesIO()
    frames = [_picture(), _picture().rotate(180)]
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(UnreadableImage, match="several frames"):
        strip_image_metadata(out.getvalue(), "image/webp")


def test_a_phones_multi_picture_jpeg_keeps_only_the_photo(tmp_path: Path) -> None:
    """MPO: the photo, then a depth map or preview in the same container."""
    out = io.BytesIO()
    _picture().save(out, "MPO", save_all=True, append_images=[Image.new("L", (8, 8))],
                    exif=_exif().tobytes())
    stripped = strip_image_metadata(out.getvalue(), "image/jpeg")
    assert "MPO secondary images (1: previews, depth maps)" in stripped.removed
    assert "location: EXIF GPS" in " ".join(stripped.removed)
    tags = _exiftool(stripped.data, tmp_path)
    assert _revealing(tags) == [] and not [key for key in tags if key.startswith("MPF:")]
    with Image.open(io.BytesIO(stripped.data)) as copy:
        assert copy.format == "JPEG" and copy.size == (20, 40)


def decompression_bomb(side: int = 12_000) -> bytes:
    """A grey PNG of side² pixels (144 MB decoded) in about 150 KB of zeros."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte, then the row
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("side", "refusal"), [
    (12_000, "refused: the image has more than the 64,000,000 pixels"),  # Pillow's own bound
    (9_000, "refused: the image is 9000×9000 pixels"),  # under Pillow's, over Haven's
])
def test_a_decompression_bomb_is_refused_before_decoding(side: int, refusal: str,
                                                         tmp_path: Path) -> None:
    """Refused from the header, within bounded memory (measured in a child process)."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(decompression_bomb(side))
    assert bomb.stat().st_size < 1_000_000
    # VmHWM, the peak resident size of this process image: unlike ru_maxrss,
    # Linux starts it afresh at exec, so the parent's size does not leak in.
    script = (
        "import sys\n"
        "from review.export.derivatives import UnreadableImage, strip_image_metadata\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "try:\n"
        "    strip_image_metadata(data, 'image/png')\n"
        "except UnreadableImage as error:\n"
        "    print('refused:', error)\n"
        "status = open('/proc/self/status').read()\n"
        "print(status.split('VmHWM:')[1].split()[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(bomb)], capture_output=True,
                            text=True, check=True)
    said, peak_kib = result.stdout.strip().splitlines()
    assert said.startswith(refusal)
    assert int(peak_kib) < 120_000, peak_kib  # the decoded image alone would be 81 or 144 MB


# -- report text -------------------------------------------------------------

NAME = "Li Wei"


@pytest.mark.parametrize("spelling", [
    "Li Wei", "LI WEI", "li wei", "Ｌｉ　Ｗｅｉ", "Li\nWei", "Li  \t Wei", "Li\u200b Wei",
    "L\u200di Wei",
])
def test_every_spelling_of_a_marked_string_goes(spelling: str) -> None:
    result = redact_report_text(f"They took {spelling} away.", [NAME])
    assert result.text == f"They took {MARKER} away."
    assert len(result.removed) == 1 and result.removed[0].string_index == 0
    assert result.text[result.removed[0].position:].startswith(MARKER)


def test_chinese_full_width_and_composed_forms() -> None:
    result = redact_report_text("联系 ＷＥＣＨＡＴ：ａｂｃ１２３ 或 José 或 Jose\u0301",
                                ["wechat:abc123", "josé"])
    assert result.text == f"联系 {MARKER} 或 {MARKER} 或 {MARKER}"
    assert [removal.string_index for removal in result.removed] == [0, 1, 1]


def test_arabic_and_persian_keyboard_letters_match() -> None:
    # The same name typed with Arabic yeh and kaf, with Persian ones, and stretched by tatweel.
    persian, arabic, stretched = "علی کریمی", "علي كريمي", "علـی کریـمی"
    for spelling in (persian, arabic, stretched):
        assert redact_report_text(f"او {spelling} است", [persian]).text == f"او {MARKER} است"


def test_every_occurrence_and_overlaps_as_one() -> None:
    result = redact_report_text("Li Wei, +44 7911 123456. li wei again: Li Wei Zhang.",
                                ["Li Wei", "Li Wei Zhang", "+44 7911 123456", ""])
    assert result.text == f"{MARKER}, {MARKER}. {MARKER} again: {MARKER}."
    assert [r.string_index for r in result.removed] == [0, 2, 0, 1]
    for removal in result.removed:
        assert result.text[removal.position:].startswith(MARKER)


def test_nothing_marked_nothing_changed() -> None:
    assert redact_report_text("Hello", []) == RedactedText("Hello", ())
    assert redact_report_text("Hello", ["   ", "\u200b"]) == RedactedText("Hello", ())


def _fold(text: str) -> str:
    """NFKC, case folded, invisible format characters dropped (alone, they show nothing)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return "".join(char for char in folded if unicodedata.category(char) != "Cf")


@settings(max_examples=300)
@given(st.text(max_size=60), st.text(min_size=1, max_size=8),
       st.lists(st.sampled_from(["upper", "wide", "plain"]), max_size=3))
def test_no_marked_string_survives(prefix: str, needle: str, spellings: list[str]) -> None:
    folded_needle = _fold(needle).strip()
    if not folded_needle or folded_needle in _fold(MARKER):
        return
    variants = {"upper": needle.upper(), "wide": unicodedata.normalize("NFKC", needle),
                "plain": needle}
    text = prefix + "".join(f" {variants[kind]} {prefix}" for kind in spellings)
    result = redact_report_text(text, [needle])
    # What remains cannot fold to the needle except across a marker.
    for piece in result.text.split(MARKER):
        assert folded_needle not in _fold(piece)
