"""The evidence export of an iPhone photo: its metadata listed, and a copy made without it."""

from __future__ import annotations

from pathlib import Path

from review.workspace.store import Workspace
from tests.review.evidence import export_photo
from tests.review.metadata_samples import HEIC_FIELDS, PHOTO_XMP, exiftool_tags, heic_photo
from tests.review.reviewers import Reviewer


def test_a_heic_photo_is_listed_and_copied_without_its_metadata(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    photo = heic_photo(xmp=PHOTO_XMP)
    exported = export_photo(workspace, alice, bob, tmp_path,
                            ("IMG_0042.HEIC", "image/heic", photo))
    record, clean, log = exported.record, exported.clean, exported.log
    assert record["detected_type"] == "image/heic"
    extracted = record["extracted_metadata"]
    assert extracted["fields"][: len(HEIC_FIELDS)] == [list(f) for f in HEIC_FIELDS]
    assert extracted["warnings"] == ["location", "identity"]
    assert log["media_type"] == "image/heic"
    assert any(entry["what"].startswith("location: EXIF GPS") for entry in log["removed"])
    tags = exiftool_tags(clean.read_bytes(), tmp_path, "copy.heic")
    assert tags["File:FileType"] == "HEIC"
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key
                or key.startswith("XMP")]
