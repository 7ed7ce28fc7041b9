"""The case view warns of HEIC and WebP EXIF and PDF XMP in every language; cleans the HEIC."""

from __future__ import annotations

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
from tests.review.metadata_samples import (
    DOCUMENT_XMP,
    PHOTO_XMP,
    exiftool_tags,
    heic_photo,
    pdf_with_xmp,
    webp_photo,
)
from tests.review.reviewers import Reviewer


@pytest.fixture
def case(workspace: Workspace, alice: Reviewer, tmp_path: Path,
         client: FlaskClient) -> Submission:
    """An iPhone photo, a PDF whose only metadata is XMP, a HEIC cut short, and a WebP photo."""
    return opened_case(workspace, client, alice, tmp_path,
                       [("IMG_0042.HEIC", "image/heic", heic_photo(xmp=PHOTO_XMP)),
                        ("letter.pdf", "application/pdf", pdf_with_xmp(DOCUMENT_XMP)),
                        ("cut.heic", "image/heic", heic_photo()[:600]),
                        ("shared.webp", "image/webp", webp_photo())])


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_the_warnings_are_shown_in_every_language(client: FlaskClient, case: Submission,
                                                  language: str) -> None:
    gettext = in_language(client, language)
    photo, pdf, cut, webp = attachment_articles(client, case.id)
    for revealing in (photo, pdf, webp):
        assert gettext(LOCATION) in revealing
        assert gettext(IDENTITY) in revealing
    assert gettext("GPS location") in photo and "48.85830, 2.29450" in photo
    assert gettext("Device model") in photo and "iPhone 15 Pro" in photo
    assert gettext("Place") in photo and "Paris" in photo
    assert gettext("Place") in pdf and "Lyon" in pdf
    assert gettext("Author") in pdf and "Li Wei; Zhang San" in pdf
    assert gettext(UNREADABLE_METADATA) in cut
    assert gettext("No metadata found.") not in cut
    if language != DEFAULT_LANGUAGE:
        for english in (LOCATION, IDENTITY, "GPS location", "Place", UNREADABLE_METADATA):
            assert english not in photo + pdf + cut, (language, english)


def test_a_heic_photo_is_offered_and_given_without_its_metadata(
    client: FlaskClient, case: Submission, tmp_path: Path
) -> None:
    photo, _pdf, _cut, webp = attachment_articles(client, case.id)
    # Before, a WebP's EXIF was not read: no warning, so no copy was offered.
    assert CLEANABLE in webp
    assert CLEANABLE in photo
    assert f"/case/{case.id}/download-without-metadata/attachment-001.age" in photo
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 200
    assert "filename*=UTF-8''IMG_0042.without-metadata.HEIC" in (
        response.headers["Content-Disposition"])
    for secret in (b"Apple", b"iPhone", b"Paris", b"Li Wei"):
        assert secret not in response.data
    tags = exiftool_tags(response.data, tmp_path, "copy.heic")
    assert tags["File:FileType"] == "HEIC"
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key
                or key.startswith("XMP")]
