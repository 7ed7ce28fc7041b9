"""A maker note (EXIF tag 0x927C) is not read, but the case view and the export say it is there.

A camera maker's private block holds what EXIF's own tags may not: Canon's,
Nikon's, Sony's the body's serial number, others the lens's or the owner's
name. exiftool reads Canon's layout (tests/review/metadata_samples.py builds
one); review/ does not parse any maker's format, so it must say it did not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from review.casefile.attachment_metadata import MAKER_NOTE_UNREAD, inspect
from review.web.i18n import AUTONYMS, DEFAULT_LANGUAGE
from review.workspace.store import Workspace
from tests.review.case_page import CLEANABLE, attachment_articles, in_language, opened_case
from tests.review.evidence import export_photo
from tests.review.forms import csrf_token
from tests.review.metadata_samples import (
    CANON_MAKER_NOTE,
    CANON_SERIAL,
    exiftool_tags,
    jpeg_with_maker_note,
)
from tests.review.reviewers import Reviewer
from tests.review.tiff_builder import UNDEFINED, pointer, text, tiff

MAKER_NOTE = 0x927C
WARNING = (
    "this file carries its camera maker's private data, which can hold the camera's "
    "serial number or its owner's name and is not read here. It could identify the "
    "reporter."
)
NOTE = ("Note", MAKER_NOTE_UNREAD)


def _maker_note_keys(tags: dict[str, object]) -> list[str]:
    return [
        key
        for key in tags
        if key.startswith(("Canon:", "MakerNotes:")) or "MakerNote" in key or "Serial" in key
    ]


def test_a_maker_note_exiftool_reads_a_serial_number_of_is_noted(tmp_path: Path) -> None:
    data = jpeg_with_maker_note()
    assert exiftool_tags(data, tmp_path, "photo.jpg")["Canon:SerialNumber"] == CANON_SERIAL
    meta = inspect(data)
    assert meta.fields == [("Device maker", "Canon"), NOTE]
    assert meta.warnings == ["identity", "maker note"] and meta.incomplete is False


def test_a_maker_note_without_a_maker_named_is_still_noted() -> None:
    meta = inspect(jpeg_with_maker_note(make=None))
    assert meta.fields == [NOTE] and meta.warnings == ["maker note"]


@pytest.mark.parametrize("where", ["ifd0", "exif", "outside the file"])
def test_a_maker_note_in_a_tiff_is_noted_wherever_it_is(where: str) -> None:
    entry = (MAKER_NOTE, UNDEFINED, len(CANON_MAKER_NOTE), CANON_MAKER_NOTE)
    if where == "ifd0":
        data = tiff([text(0x010F, "Canon"), entry])
    elif where == "exif":
        data = tiff([text(0x010F, "Canon"), pointer(0x8769, 1)], [entry])
    else:  # an offset no byte of the file is at: noted all the same, and nothing read
        data = tiff([text(0x010F, "Canon"), (MAKER_NOTE, UNDEFINED, 1 << 20, b"\xff" * 4)])
    meta = inspect(data)
    assert NOTE in meta.fields and "maker note" in meta.warnings
    assert meta.incomplete is False


def test_a_maker_note_is_noted_once_however_many_ifds_hold_one() -> None:
    entry = (MAKER_NOTE, UNDEFINED, len(CANON_MAKER_NOTE), CANON_MAKER_NOTE)
    meta = inspect(tiff([entry, pointer(0x8769, 1)], [entry], chain=(0,)))
    assert meta.fields.count(NOTE) == 1 and meta.warnings == ["maker note"]


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_the_case_view_warns_of_a_maker_note_in_every_language(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, client: FlaskClient, language: str
) -> None:
    case = opened_case(
        workspace,
        client,
        alice,
        tmp_path,
        [("IMG_0001.JPG", "image/jpeg", jpeg_with_maker_note(make=None))],
    )
    gettext = in_language(client, language)
    (photo,) = attachment_articles(client, case.id)
    assert gettext(WARNING) in photo and gettext(MAKER_NOTE_UNREAD) in photo
    # Device metadata a download passes on: a copy without it is offered.
    assert f"/case/{case.id}/download-without-metadata/attachment-001.age" in photo
    if language != DEFAULT_LANGUAGE:
        assert WARNING not in photo and MAKER_NOTE_UNREAD not in photo


def test_the_copy_downloaded_without_metadata_has_no_maker_note(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, client: FlaskClient
) -> None:
    """A maker note alone, which no other field warns of, is offered a copy without it."""
    photo = jpeg_with_maker_note(make=None)
    case = opened_case(workspace, client, alice, tmp_path, [("IMG_0001.JPG", "image/jpeg", photo)])
    assert CLEANABLE in attachment_articles(client, case.id)[0]
    response = client.post(
        f"/case/{case.id}/download-without-metadata/attachment-001.age",
        data={"csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 200
    tags = exiftool_tags(response.data, tmp_path, "copy.jpg")
    assert tags["File:FileType"] == "JPEG" and not _maker_note_keys(tags)


def test_the_export_records_the_maker_note_and_its_copy_has_none(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    exported = export_photo(
        workspace, alice, bob, tmp_path, ("IMG_0001.JPG", "image/jpeg", jpeg_with_maker_note())
    )
    extracted = exported.record["extracted_metadata"]
    assert extracted["fields"] == [["Device maker", "Canon"], list(NOTE)]
    assert extracted["warnings"] == ["identity", "maker note"]
    assert any(entry["what"] == "device: EXIF MakerNote" for entry in exported.log["removed"])
    tags = exiftool_tags(exported.clean.read_bytes(), tmp_path, "copy.jpg")
    assert tags["File:FileType"] == "JPEG" and not _maker_note_keys(tags)
