"""EXIF among Photoshop's image resources (0x0422, "EXIF data 1") is read as exiftool reads it.

Photoshop and the tools that write as it does may keep a photo's EXIF there,
in a JPEG's APP13 segment or a TIFF's tag 34377, rather than where EXIF
usually is: before, the reading said only that it stopped early, and a GPS
position there raised no location warning. 0x0423 ("EXIF data 3"), whose
format exiftool itself leaves unknown, still says the reading stopped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from review.casefile.attachment_metadata import MAX_PHOTOSHOP_EXIF, UNREADABLE_METADATA, inspect
from review.export.clean_image import strip_image_metadata
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.case_page import CLEANABLE, LOCATION, attachment_articles, opened_case
from tests.review.evidence import export_photo
from tests.review.forms import csrf_token
from tests.review.metadata_samples import (
    exiftool_tags,
    jpeg_with_photoshop,
    photoshop_block,
    tiff_with_photoshop,
)
from tests.review.reviewers import Reviewer
from tests.review.tiff_builder import UNDEFINED, gps, pointer, text, tiff

MAKE, ARTIST, GPS_POINTER, PHOTOSHOP = 0x010F, 0x013B, 0x8825, 34377
EXIF = tiff([text(MAKE, "Apple"), text(ARTIST, "Tenzin Dorje"), pointer(GPS_POINTER, 1)], gps())
FIELDS = [("Device maker", "Apple"), ("Artist", "Tenzin Dorje"),
          ("GPS location", "48.85830, 2.29450")]  # fmt: skip
BUILDERS = {"jpeg": jpeg_with_photoshop, "tiff": tiff_with_photoshop}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_photoshop_exif_shows_what_exiftool_reads(kind: str, tmp_path: Path) -> None:
    data = BUILDERS[kind](photoshop_block(0x0422, EXIF))
    tags = exiftool_tags(data, tmp_path, f"photo.{kind}")
    assert (tags["IFD0:Make"], tags["IFD0:Artist"]) == ("Apple", "Tenzin Dorje")
    assert round(float(str(tags["GPS:GPSLatitude"])), 5) == 48.8583
    assert round(float(str(tags["GPS:GPSLongitude"])), 5) == 2.2945
    meta = inspect(data)
    assert [field for field in meta.fields if field[0] != "Note"] == FIELDS
    assert meta.warnings == ["location", "identity"] and meta.incomplete is False


def test_exif_data_3_still_says_the_reading_stopped() -> None:
    meta = inspect(jpeg_with_photoshop(photoshop_block(0x0423, EXIF)))
    assert meta.fields == [] and meta.incomplete is True


def _artist_exif(name: str, inner: bytes = b"") -> bytes:
    entries = [text(ARTIST, name)]
    if inner:
        entries.append((PHOTOSHOP, UNDEFINED, len(inner), inner))
    return tiff(entries)


def test_exif_blocks_are_read_up_to_the_bound_in_one_run_of_resources() -> None:
    names = [f"Person {index}" for index in range(MAX_PHOTOSHOP_EXIF + 1)]
    resources = b"".join(photoshop_block(0x0422, _artist_exif(name)) for name in names)
    meta = inspect(jpeg_with_photoshop(resources))
    assert meta.fields == [("Artist", name) for name in names[:MAX_PHOTOSHOP_EXIF]]
    assert meta.incomplete is True


def test_exif_nested_in_its_own_resources_is_read_to_the_bound_and_no_deeper() -> None:
    """Each EXIF holds resources holding the next: the nesting stops at the file's bound."""
    names = [f"Person {index}" for index in range(MAX_PHOTOSHOP_EXIF + 2)]
    nested = b""
    for name in reversed(names):
        nested = photoshop_block(0x0422, _artist_exif(name, nested))
    meta = inspect(jpeg_with_photoshop(nested))
    assert meta.fields == [("Artist", name) for name in names[:MAX_PHOTOSHOP_EXIF]]
    assert meta.incomplete is True


@pytest.mark.parametrize("damage", ["truncated", "size lies", "not a TIFF", "first IFD outside"])
def test_damaged_photoshop_exif_says_the_reading_stopped(damage: str) -> None:
    if damage == "truncated":
        resources = photoshop_block(0x0422, EXIF)[: 12 + len(EXIF) - 8]  # GPS cut
    elif damage == "size lies":
        resources = photoshop_block(0x0422, EXIF)[:8] + b"\xff\xff\xff\xff" + EXIF
    elif damage == "not a TIFF":
        resources = photoshop_block(0x0422, b"Exif\x00\x00" + EXIF)
    else:
        resources = photoshop_block(0x0422, b"II*\x00\xff\xff\xff\x7f" + EXIF[8:])
    meta = inspect(jpeg_with_photoshop(resources))
    assert meta.incomplete is True
    if damage in ("not a TIFF", "first IFD outside"):
        assert ("Note", UNREADABLE_METADATA) in meta.fields
    else:  # what the block holds before its end is still shown
        assert ("Artist", "Tenzin Dorje") in meta.fields


def test_the_case_view_warns_and_the_copy_has_no_photoshop_exif(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, client: FlaskClient
) -> None:
    photo = tiff_with_photoshop(photoshop_block(0x0422, EXIF))
    case = opened_case(workspace, client, alice, tmp_path, [("scan.tif", "image/tiff", photo)])
    (article,) = attachment_articles(client, case.id)
    assert LOCATION in article and CLEANABLE in article and "Tenzin Dorje" in article
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})  # fmt: skip
    assert response.status_code == 200
    tags = exiftool_tags(response.data, tmp_path, "copy.tif")
    assert tags["File:FileType"] == "TIFF"
    assert not [key for key in tags if "GPS" in key or "Photoshop" in key or "Artist" in key]


def test_the_export_lists_photoshop_exif_and_its_copy_has_none(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    photo = jpeg_with_photoshop(photoshop_block(0x0422, EXIF))
    exported = export_photo(workspace, alice, bob, tmp_path, ("IMG_0001.JPG", "image/jpeg", photo))
    extracted = exported.record["extracted_metadata"]
    assert extracted["fields"] == [list(field) for field in FIELDS]
    assert (extracted["warnings"], extracted["incomplete"]) == (["location", "identity"], False)
    tags = exiftool_tags(exported.clean.read_bytes(), tmp_path, "copy.jpg")
    assert tags["File:FileType"] == "JPEG"
    assert not [key for key in tags if "GPS" in key or "Photoshop" in key or "Artist" in key]


def test_the_copy_s_audit_record_lists_the_location_it_removed(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, client: FlaskClient
) -> None:
    """Pillow does not read Photoshop's EXIF; the case view does, and warned of a location:
    the copy's record lists the kinds that view warned of, never their values."""
    photo = jpeg_with_photoshop(photoshop_block(0x0422, EXIF))
    removed = strip_image_metadata(photo, "image/jpeg").removed
    assert {entry.partition(":")[0] for entry in removed} >= {"location", "person"}
    assert not [entry for entry in removed if "Tenzin" in entry or "48." in entry]
    case = opened_case(workspace, client, alice, tmp_path, [("photo.jpg", "image/jpeg", photo)])
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})  # fmt: skip
    assert response.status_code == 200
    with workspace.sessions() as session:
        detail = session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "export").order_by(AuditEntry.seq.desc())).first()
    assert detail is not None and "location" in detail and "person" in detail


@pytest.mark.parametrize("signature", [b"PHUT", b"DCSR", b"AgHg", b"MeSa"])
def test_another_tool_s_block_first_hides_no_exif_after_it(
    signature: bytes, tmp_path: Path
) -> None:
    """exiftool steps over ImageReady's, PhotoDeluxe's and the like's blocks and keeps walking."""
    other = signature + photoshop_block(0x0422, b"\x00" * 6)[4:]  # its id 0x0422 is not EXIF
    photo = jpeg_with_photoshop(other + photoshop_block(0x0422, EXIF))
    # exiftool reads the EXIF after it (its GPS too, in the review's sample, whose offsets
    # differ: with these, it takes the GPS IFD for one it read, a quirk of its own).
    assert exiftool_tags(photo, tmp_path, "photo.jpg")["IFD0:Artist"] == "Tenzin Dorje"
    meta = inspect(photo)
    assert meta.fields == FIELDS and meta.incomplete is False
