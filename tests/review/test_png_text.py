"""A PNG's compressed text (zTXt, compressed iTXt) and its raw profiles are read, within bounds.

ImageMagick keeps a PNG's EXIF, XMP and IPTC as text chunks named "Raw profile
type exif" (and APP1, xmp, iptc, 8bim), usually compressed, and exiftool writes
IPTC the same way: before, a compressed chunk only said the reading stopped,
and an uncompressed profile showed as hexadecimal text, so a GPS position
there raised no warning. Each sample here is checked against exiftool.
"""

from __future__ import annotations

import struct
import subprocess
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from review.casefile import png_text
from review.casefile.attachment_metadata import MAX_PNG_INFLATED_BYTES, inspect
from review.casefile.png_text import MAX_INFLATED_BYTES
from review.workspace.store import Workspace
from tests.review.case_page import CLEANABLE, LOCATION, attachment_articles, opened_case
from tests.review.evidence import export_photo
from tests.review.forms import csrf_token
from tests.review.large_attachments import png_chunk
from tests.review.metadata_samples import (
    exiftool_tags,
    photoshop_block,
    png_with_chunks,
    raw_profile_text,
    xmp_packet,
)
from tests.review.reviewers import Reviewer
from tests.review.tiff_builder import gps, pointer, text, tiff
from tests.support import require_program

EXIF = tiff([text(0x013B, "Tenzin Dorje"), pointer(0x8825, 1)], gps())
EXIF_FIELDS = [("Artist", "Tenzin Dorje"), ("GPS location", "48.85830, 2.29450")]
XMP = xmp_packet("<photoshop:City>Lhasa</photoshop:City>")
IPTC = b"\x1c\x02\x50\x00\x0cTenzin Dorje\x1c\x02\x5a\x00\x05Lhasa"
IPTC_FIELDS = [("Author", "Tenzin Dorje"), ("Place", "Lhasa")]


def ztxt(keyword: bytes, data: bytes) -> bytes:
    return png_chunk(b"zTXt", keyword + b"\x00\x00" + zlib.compress(data))


def itxt(keyword: bytes, data: bytes) -> bytes:
    return png_chunk(b"iTXt", keyword + b"\x00\x01\x00\x00\x00" + zlib.compress(data))


def profile(kind: str) -> bytes:
    return b"Raw profile type " + kind.encode()


def test_compressed_text_is_read_as_exiftool_reads_it(tmp_path: Path) -> None:
    data = png_with_chunks(ztxt(b"Author", b"Tenzin Dorje"), itxt(b"Comment", b"Barkhor"))
    tags = exiftool_tags(data, tmp_path, "photo.png")
    assert (tags["PNG:Author"], tags["PNG:Comment"]) == ("Tenzin Dorje", "Barkhor")
    meta = inspect(data)
    assert meta.fields == [("PNG text: Author", "Tenzin Dorje"), ("PNG text: Comment", "Barkhor")]
    assert meta.incomplete is False


def test_compressed_xmp_is_read(tmp_path: Path) -> None:
    data = png_with_chunks(itxt(b"XML:com.adobe.xmp", XMP))
    assert exiftool_tags(data, tmp_path, "photo.png")["XMP-photoshop:City"] == "Lhasa"
    meta = inspect(data)
    assert meta.fields == [("Place", "Lhasa")] and meta.incomplete is False


@pytest.mark.parametrize("flag", [2, 0xFF])
def test_itxt_with_any_compression_flag_but_0_is_inflated(flag: int, tmp_path: Path) -> None:
    """exiftool inflates the text of an iTXt whose flag is not 0, 1 included."""
    xmp = png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00" + bytes([flag]) + b"\x00\x00\x00"
                    + zlib.compress(XMP))  # fmt: skip
    exif = png_chunk(b"iTXt", profile("exif") + b"\x00" + bytes([flag]) + b"\x00\x00\x00"
                     + zlib.compress(raw_profile_text("exif", EXIF)))  # fmt: skip
    data = png_with_chunks(xmp, exif)
    tags = exiftool_tags(data, tmp_path, "photo.png")
    assert (tags["XMP-photoshop:City"], tags["IFD0:Artist"]) == ("Lhasa", "Tenzin Dorje")
    meta = inspect(data)
    assert meta.fields == [("Place", "Lhasa"), *EXIF_FIELDS] and meta.incomplete is False


def test_xmp_whose_keyword_begins_in_lower_case_is_read(tmp_path: Path) -> None:
    """exiftool retries a keyword it does not know with its first letter capitalised."""
    data = png_with_chunks(png_chunk(b"iTXt", b"xML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP))
    assert exiftool_tags(data, tmp_path, "photo.png")["XMP-photoshop:City"] == "Lhasa"
    meta = inspect(data)
    assert meta.fields == [("Place", "Lhasa")] and meta.warnings == ["location"]


# Each raw profile kind, in each kind of text chunk, and what exiftool reads of it.
PROFILES: dict[str, tuple[bytes, list[tuple[str, str]], dict[str, Any]]] = {
    "exif": (ztxt(profile("exif"), raw_profile_text("exif", b"Exif\x00\x00" + EXIF)),
             EXIF_FIELDS, {"IFD0:Artist": "Tenzin Dorje"}),
    "APP1": (png_chunk(b"tEXt", profile("APP1") + b"\x00" + raw_profile_text("APP1", EXIF)),
             EXIF_FIELDS, {"IFD0:Artist": "Tenzin Dorje"}),
    "APP1 XMP": (itxt(profile("APP1"), raw_profile_text(
        "APP1", b"http://ns.adobe.com/xap/1.0/\x00" + XMP)),
        [("Place", "Lhasa")], {"XMP-photoshop:City": "Lhasa"}),
    "xmp": (ztxt(profile("xmp"), raw_profile_text("xmp", XMP)),
            [("Place", "Lhasa")], {"XMP-photoshop:City": "Lhasa"}),
    "iptc": (ztxt(profile("iptc"), raw_profile_text("IPTC profile", IPTC)),
             IPTC_FIELDS, {"IPTC:By-line": "Tenzin Dorje"}),
    "8bim": (ztxt(profile("8bim"), raw_profile_text("8bim", photoshop_block(0x0404, IPTC))),
             IPTC_FIELDS, {"IPTC:By-line": "Tenzin Dorje"}),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(PROFILES))
def test_a_raw_profile_is_read_as_exiftool_reads_it(kind: str, tmp_path: Path) -> None:
    chunk, fields, exiftool_reads = PROFILES[kind]
    data = png_with_chunks(chunk)
    tags = exiftool_tags(data, tmp_path, "photo.png")
    assert {key: tags.get(key) for key in exiftool_reads} == exiftool_reads
    meta = inspect(data)
    assert meta.fields == fields and meta.incomplete is False


def test_the_iptc_profile_exiftool_writes_is_read(tmp_path: Path) -> None:
    exiftool = require_program("exiftool", "apt install libimage-exiftool-perl")
    path = tmp_path / "photo.png"
    path.write_bytes(png_with_chunks())
    subprocess.run([exiftool, "-q", "-q", "-overwrite_original", "-IPTC:By-line=Tenzin Dorje",
                    "-IPTC:City=Lhasa", str(path)], check=True)  # fmt: skip
    assert b"Raw profile type iptc" in path.read_bytes()
    meta = inspect(path.read_bytes())
    assert meta.fields == IPTC_FIELDS and meta.warnings == ["location", "identity"]


BOMB = zlib.compress(b"\x00" * (64 << 20), 9)  # 64 MiB of zeros in about 64 KiB


def compressed_exif(exif: bytes) -> bytes:
    """A zxIf (or compressed eXIf) body: method 0, the inflated length, the zlib stream."""
    return b"\x00" + struct.pack(">I", len(exif)) + zlib.compress(exif)


# EXIF's chunk as early writers spelt it, and compressed: exiftool reads every one.
EXIF_CHUNKS = {"exIf": png_chunk(b"exIf", EXIF), "EXIF": png_chunk(b"EXIF", EXIF),
               "eXIF": png_chunk(b"eXIF", EXIF), "zxIf": png_chunk(b"zxIf", compressed_exif(EXIF)),
               "compressed eXIf": png_chunk(b"eXIf", compressed_exif(EXIF))}  # fmt: skip


@pytest.mark.parametrize("spelling", list(EXIF_CHUNKS))
def test_exif_in_any_chunk_exiftool_reads_is_read(spelling: str, tmp_path: Path) -> None:
    data = png_with_chunks(EXIF_CHUNKS[spelling])
    tags = exiftool_tags(data, tmp_path, "photo.png")
    assert (tags["IFD0:Artist"], tags["GPS:GPSLatitude"]) == ("Tenzin Dorje", 48.8583)
    meta = inspect(data)
    assert meta.fields == EXIF_FIELDS and meta.incomplete is False
    assert meta.warnings == ["location", "identity"]


def test_compressed_exif_counts_against_the_file_s_blobs_and_inflation() -> None:
    decoys = [png_chunk(b"zxIf", compressed_exif(b"\x00" * 64))] * 4
    meta = inspect(png_with_chunks(*decoys, EXIF_CHUNKS["EXIF"]))
    assert meta.incomplete is True  # a fifth EXIF blob is not read, and says so
    bomb = png_chunk(b"zxIf", b"\x00\x00\x00\x00\x00" + BOMB)
    meta = inspect(png_with_chunks(bomb, ztxt(b"Author", b"Tenzin Dorje")))
    assert meta.incomplete is True and ("PNG text: Author", "Tenzin Dorje") in meta.fields


def test_a_compression_bomb_costs_its_bound_and_hides_nothing_after_it() -> None:
    data = png_with_chunks(png_chunk(b"zTXt", b"Comment\x00\x00" + BOMB), PROFILES["exif"][0])
    tracemalloc.start()
    try:
        meta = inspect(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_INFLATED_BYTES + len(data)
    assert meta.incomplete is True
    assert [field for field in meta.fields if field[0] != "PNG text: Comment"] == EXIF_FIELDS


def test_bombs_in_many_chunks_inflate_no_more_than_the_file_s_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inflated: list[int] = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self) -> None:
            self._inflater = real()
            self.eof = False

        def decompress(self, data: bytes, max_length: int) -> bytes:
            out = self._inflater.decompress(data, max_length)
            inflated.append(len(out))
            self.eof = self._inflater.eof
            return out

    monkeypatch.setattr(png_text.zlib, "decompressobj", Counting)
    bombs = [png_chunk(b"zTXt", b"Comment\x00\x00" + BOMB)] * 16
    meta = inspect(png_with_chunks(*bombs))
    assert meta.incomplete is True
    assert sum(inflated) <= MAX_PNG_INFLATED_BYTES + len(bombs)


def _profile_as_written(layout: str) -> tuple[bytes, bool]:
    """A raw EXIF profile laid out as some writer might, and whether all of it is hexadecimal."""
    text = raw_profile_text("exif", EXIF)
    if layout == "trailing NUL":
        return text + b"\x00", False
    if layout == "stray letter":
        return text + b"z\n", False
    if layout == "lines of 71 digits":
        digits = EXIF.hex()
        lines = "\n".join(digits[start : start + 71] for start in range(0, len(digits), 71))
        return f"\nexif\n{len(EXIF):8d}\n{lines}\n".encode(), True
    if layout == "form feed before the length":
        return text.replace(b"\n   ", b"\n\x0c\x0b ", 1), True
    assert layout == "long kind line"
    return raw_profile_text("exif" + " " * 90, EXIF), True


@pytest.mark.parametrize("layout", ["trailing NUL", "stray letter", "lines of 71 digits",
                                    "form feed before the length", "long kind line"])  # fmt: skip
def test_a_raw_profile_s_hexadecimal_is_read_as_far_as_it_goes(layout: str, tmp_path: Path) -> None:
    text, all_hexadecimal = _profile_as_written(layout)
    data = png_with_chunks(ztxt(profile("exif"), text))
    assert exiftool_tags(data, tmp_path, "photo.png")["IFD0:Artist"] == "Tenzin Dorje"
    meta = inspect(data)
    assert meta.fields == EXIF_FIELDS and meta.incomplete is not all_hexadecimal


def test_a_raw_profile_cut_at_the_inflation_bound_mid_byte_gives_the_bytes_before() -> None:
    """ImageMagick's profile of a 700 KiB XMP packet inflates past 1 MiB of digits, cut there
    in the middle of a byte: every byte before is read, and the reading says it stopped."""
    big = xmp_packet("<photoshop:City>Lhasa</photoshop:City>",
                     "<xmp:Thumb>" + "A" * (700 * 1024) + "</xmp:Thumb>")  # fmt: skip
    text = raw_profile_text("xmp", big)[:MAX_INFLATED_BYTES]
    header = text.index(b"\n", text.index(b"\n", 1) + 1) + 1
    assert len(text[header:].translate(None, b"\n")) % 2 == 1  # cut between a byte's digits
    parsed = png_text.raw_profile("xmp", text)
    assert len(parsed.payload) > 500_000 and parsed.whole is False
    meta = inspect(png_with_chunks(ztxt(profile("xmp"), raw_profile_text("xmp", big))))
    assert ("Place", "Lhasa") in meta.fields and meta.incomplete is True


def _corrupt_before_its_bound() -> bytes:
    """A stream zlib inflates to just under a chunk's bound before an invalid block type."""
    deflater = zlib.compressobj(9)
    stream = deflater.compress(b"a" * (MAX_INFLATED_BYTES - 1024))
    stream += deflater.flush(zlib.Z_FULL_FLUSH)
    return png_chunk(b"zTXt", b"Comment\x00\x00" + stream + b"\xff\xff\xff\xff")


def test_corrupt_streams_cost_their_bound_of_the_file_s_inflation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each inflates about 1 MiB and fails: the file's 4 MiB allow 4 of them, not 4,000."""
    inflaters: list[object] = []
    real = zlib.decompressobj

    def counting() -> object:
        inflaters.append(real())
        return inflaters[-1]

    monkeypatch.setattr(png_text.zlib, "decompressobj", counting)
    meta = inspect(png_with_chunks(*[_corrupt_before_its_bound()] * 16))
    assert meta.incomplete is True
    assert len(inflaters) <= MAX_PNG_INFLATED_BYTES // (MAX_INFLATED_BYTES - 1024)


def _broken(damage: str) -> bytes:
    text = raw_profile_text("exif", EXIF)
    if damage == "truncated stream":
        return png_chunk(b"zTXt", profile("exif") + b"\x00\x00" + zlib.compress(text)[:-40])
    if damage == "corrupt stream":
        return png_chunk(b"zTXt", profile("exif") + b"\x00\x00" + b"\x78\x9c\xff\xff" * 8)
    if damage == "unknown method":
        return png_chunk(b"zTXt", profile("exif") + b"\x00\x07" + zlib.compress(text))
    if damage == "bad hex":
        return ztxt(profile("exif"), text.replace(b"4", b"g", 1))
    if damage == "odd digits":
        return ztxt(profile("exif"), text.rstrip(b"\n")[:-1] + b"\n")
    if damage == "no header":
        return ztxt(profile("exif"), EXIF.hex().encode())
    if damage == "length lies":
        return ztxt(profile("exif"), raw_profile_text("exif", EXIF, length=len(EXIF) * 100))
    assert damage == "not EXIF"
    return ztxt(profile("exif"), raw_profile_text("exif", b"\x00" * 64))


@pytest.mark.parametrize("damage", ["truncated stream", "corrupt stream", "unknown method",
                                    "bad hex", "odd digits", "no header", "length lies",
                                    "not EXIF"])  # fmt: skip
def test_a_damaged_text_or_profile_says_the_reading_stopped(damage: str) -> None:
    meta = inspect(png_with_chunks(_broken(damage), ztxt(b"Author", b"Tenzin Dorje")))
    assert meta.incomplete is True
    assert ("PNG text: Author", "Tenzin Dorje") in meta.fields  # the next chunk is still read
    if damage == "length lies":  # exiftool reads the bytes there are, and so does this
        assert all(field in meta.fields for field in EXIF_FIELDS)


def test_the_case_view_warns_and_the_copy_has_no_profile(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, client: FlaskClient
) -> None:
    photo = png_with_chunks(PROFILES["exif"][0], PROFILES["xmp"][0])
    case = opened_case(workspace, client, alice, tmp_path, [("photo.png", "image/png", photo)])
    (article,) = attachment_articles(client, case.id)
    assert LOCATION in article and CLEANABLE in article and "48.85830, 2.29450" in article
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})  # fmt: skip
    assert response.status_code == 200
    _assert_no_profile(exiftool_tags(response.data, tmp_path, "copy.png"))


UNREAD = ("the original may carry metadata that could not be read here, and a download "
          "passes it on.")


def test_a_reading_that_stopped_early_offers_the_copy_without_metadata(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, client: FlaskClient
) -> None:
    """Nothing was read that warns, but what was not read may be a location: the copy is offered."""
    photo = png_with_chunks(_broken("no header"))
    assert inspect(photo).incomplete is True and inspect(photo).warnings == []
    case = opened_case(workspace, client, alice, tmp_path, [("photo.png", "image/png", photo)])
    (article,) = attachment_articles(client, case.id)
    assert UNREAD in article and CLEANABLE in article and LOCATION not in article
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})  # fmt: skip
    assert response.status_code == 200
    _assert_no_profile(exiftool_tags(response.data, tmp_path, "copy.png"))


def test_the_export_lists_a_profile_s_metadata_and_its_copy_has_none(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    photo = png_with_chunks(PROFILES["exif"][0], PROFILES["iptc"][0])
    exported = export_photo(workspace, alice, bob, tmp_path, ("photo.png", "image/png", photo))
    extracted = exported.record["extracted_metadata"]
    assert extracted["fields"] == [list(field) for field in EXIF_FIELDS + IPTC_FIELDS]
    assert (extracted["warnings"], extracted["incomplete"]) == (["location", "identity"], False)
    _assert_no_profile(exiftool_tags(exported.clean.read_bytes(), tmp_path, "copy.png"))


def _assert_no_profile(tags: dict[str, object]) -> None:
    assert tags["File:FileType"] == "PNG"
    assert not [key for key in tags if "GPS" in key or "Artist" in key or "profile" in key.lower()
                or key.startswith(("XMP", "IPTC"))]  # fmt: skip
