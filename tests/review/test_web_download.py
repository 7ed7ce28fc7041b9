"""Downloading an attachment that gives its sender away: said first, and a clean copy offered.

Each download is recorded as what it is: the original, or a copy without
metadata. The clean copy is the evidence export's (review/export/derivatives.py).
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from review.pickup.importer import import_bundle
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, Submission, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer
from tests.support import require_program

PDF_WITH_AUTHOR = b"%PDF-1.7\n1 0 obj << /Author (Li Wei) >> endobj\n%%EOF"


def photo_with_gps() -> bytes:
    """A real (decodable) JPEG whose EXIF names the phone and the Eiffel Tower's coordinates."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 28.8), "E", (2.0, 17.0, 40.2)
    out = io.BytesIO()
    Image.new("RGB", (16, 8), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def plain_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 8), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def case(workspace: Workspace, alice: Reviewer, tmp_path: Path, jpeg_with_gps: bytes,
         client: FlaskClient) -> Submission:
    """A case with a revealing photo, a PDF naming its author, a plain image and a broken photo."""
    submission = encrypted_submission(
        {"narrative": "files"}, recipients=[alice.recipient],
        attachments=[("Eiffel.jpg", "image/jpeg", photo_with_gps()),
                     ("letter.pdf", "application/pdf", PDF_WITH_AUTHOR),
                     ("plain.png", "image/png", plain_photo()),
                     # EXIF but no pixels: its metadata shows, no clean copy can be made.
                     ("broken.jpg", "image/jpeg", jpeg_with_gps)])
    bundle = BundleWriter([submission]).write(tmp_path / "bundle.tar")
    import_bundle(workspace, bundle, actor="test")
    assert unlock(client, alice) == 302
    return submission


def _exports(workspace: Workspace) -> list[tuple[str, str]]:
    with workspace.sessions() as session:
        return [(entry.subject, entry.detail) for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq))]


def _articles(page: str) -> list[str]:
    return page.split('<article class="attachment">')[1:]


def test_the_case_view_says_so_next_to_the_link(client: FlaskClient, case: Submission) -> None:
    photo, pdf, plain, broken = _articles(client.get(f"/case/{case.id}").get_data(as_text=True))
    for revealing in (photo, pdf, broken):
        assert "the original carries location or device metadata" in revealing
        assert "Download the original (recorded as an export)" in revealing
    assert "A copy without that metadata can be downloaded instead." in photo
    assert f"/case/{case.id}/download-without-metadata/attachment-001.age" in photo
    # A PDF is no image: no clean copy is promised.
    assert "No copy without it can be made of this type here." in pdf
    assert "download-without-metadata" not in pdf
    assert "Before downloading" not in plain and "download-without-metadata" not in plain
    assert "Download (recorded as an export)" in plain


def test_the_clean_copy_has_no_location_or_device(client: FlaskClient, case: Submission,
                                                  workspace: Workspace, tmp_path: Path) -> None:
    response = client.post(f"/case/{case.id}/download-without-metadata/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    disposition = response.headers["Content-Disposition"]
    assert 'filename="attachment-001.without-metadata.jpg"' in disposition
    assert "filename*=UTF-8''Eiffel.without-metadata.jpg" in disposition
    for secret in (b"Apple", b"iPhone", b"GPS"):
        assert secret not in response.data
    exiftool = require_program("exiftool", "apt install libimage-exiftool-perl")
    (tmp_path / "copy.jpg").write_bytes(response.data)
    tags = json.loads(subprocess.run([exiftool, "-j", "-G", str(tmp_path / "copy.jpg")],
                                     capture_output=True, text=True, check=True).stdout)[0]
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key]
    with Image.open(io.BytesIO(response.data)) as copy:
        assert copy.size == (16, 8)
    assert _exports(workspace)[-1] == (
        f"case:{case.id}/attachment-001.age",
        "copy without metadata downloaded (3 items removed: device, location)")


def test_the_original_stays_downloadable_and_is_recorded_as_such(
        client: FlaskClient, case: Submission, workspace: Workspace) -> None:
    response = client.post(f"/case/{case.id}/download/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 200 and response.data == photo_with_gps()
    assert "filename*=UTF-8''Eiffel.jpg" in response.headers["Content-Disposition"]
    assert _exports(workspace)[-1] == (f"case:{case.id}/attachment-001.age",
                                       "original attachment downloaded")


@pytest.mark.parametrize(("name", "reason"), [
    ("attachment-002.age", "no metadata-free copy can be made of application/pdf files"),
    ("attachment-004.age", "the JPEG image cannot be decoded"),
])
def test_no_clean_copy_sends_and_records_nothing(client: FlaskClient, case: Submission,
                                                 workspace: Workspace, name: str,
                                                 reason: str) -> None:
    before = _exports(workspace)
    response = client.post(f"/case/{case.id}/download-without-metadata/{name}",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/case/{case.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No copy without metadata could be made" in page and reason in page
    assert _exports(workspace) == before


def test_the_clean_copy_needs_the_form_token(client: FlaskClient, case: Submission,
                                             workspace: Workspace) -> None:
    before = _exports(workspace)
    assert client.post(
        f"/case/{case.id}/download-without-metadata/attachment-001.age").status_code == 400
    assert client.post(f"/case/{case.id}/download-without-metadata/report.age",
                       data={"csrf_token": csrf_token(client, "/")}).status_code == 404
    assert _exports(workspace) == before
