"""The case view warns of a TIFF's GPS, serial number and XMP in every language; cleans it."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from review.casefile.attachment_metadata import UNREADABLE_METADATA
from review.web.i18n import AUTONYMS, DEFAULT_LANGUAGE
from review.workspace.store import Workspace
from tests.review.bundles import Submission
from tests.review.case_page import (
    CLEANABLE,
    IDENTITY,
    LOCATION,
    attachment_articles,
    in_language,
    opened_case,
)
from tests.review.forms import csrf_token
from tests.review.metadata_samples import exiftool_tags, tiff_photo
from tests.review.reviewers import Reviewer

STOPPED = "reading this file's metadata stopped early"
# A BigTIFF whose header gives 4-byte offsets, which no BigTIFF has: nothing can be read.
UNREADABLE_BIGTIFF = b"II+\x00" + struct.pack("<HHQ", 4, 0, 16) + b"\x00" * 64


@pytest.fixture
def case(workspace: Workspace, alice: Reviewer, tmp_path: Path,
         client: FlaskClient) -> Submission:
    """A DSLR's TIFF with GPS, a serial number and XMP, and a BigTIFF that cannot be read."""
    return opened_case(workspace, client, alice, tmp_path,
                       [("IMG_0042.TIF", "image/tiff", tiff_photo()),
                        ("scan.tif", "image/tiff", UNREADABLE_BIGTIFF)])


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_a_tiffs_warnings_are_shown_in_every_language(client: FlaskClient, case: Submission,
                                                      language: str) -> None:
    gettext = in_language(client, language)
    photo, unreadable = attachment_articles(client, case.id)
    assert "image/tiff" in photo and "image/tiff" in unreadable
    assert gettext(LOCATION) in photo and gettext(IDENTITY) in photo
    assert gettext("GPS location") in photo and "48.85830, 2.29450" in photo
    assert gettext("Device serial number") in photo and "SN-0042" in photo
    assert gettext("Device model") in photo and "EOS R5" in photo
    assert gettext("Author") in photo and "Li Wei" in photo
    assert gettext("Place") in photo and "Paris" in photo and "Lyon" in photo
    assert "Wang Fang" in photo  # the IPTC record's By-line
    assert gettext(UNREADABLE_METADATA) in unreadable
    assert gettext("No metadata found.") not in unreadable
    if language != DEFAULT_LANGUAGE:
        for english in (LOCATION, IDENTITY, "GPS location", "Device serial number",
                        UNREADABLE_METADATA):
            assert english not in photo + unreadable, (language, english)


def test_a_tiff_is_offered_and_given_without_its_metadata(
    client: FlaskClient, case: Submission, tmp_path: Path
) -> None:
    photo = attachment_articles(client, case.id)[0]
    assert CLEANABLE in photo and STOPPED not in photo
    assert f"/case/{case.id}/download-without-metadata/attachment-001.age" in photo
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 200
    assert "filename*=UTF-8''IMG_0042.without-metadata.TIF" in (
        response.headers["Content-Disposition"])
    for secret in (b"Canon", b"EOS R5", b"SN-0042", b"Paris", b"Li Wei", b"Wang Fang", b"Lyon"):
        assert secret not in response.data
    tags = exiftool_tags(response.data, tmp_path, "copy.tif")
    assert tags["File:FileType"] == "TIFF"
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key
                or "Serial" in key or key.startswith(("XMP", "IPTC"))]
