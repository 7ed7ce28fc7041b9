"""The evidence export of a DSLR's TIFF: its metadata listed, and a copy made without it."""

from __future__ import annotations

from pathlib import Path

from review.workspace.store import Workspace
from tests.review.evidence import export_photo
from tests.review.metadata_samples import TIFF_FIELDS, exiftool_tags, tiff_photo
from tests.review.reviewers import Reviewer


def test_a_tiff_photo_is_listed_and_copied_without_its_metadata(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    exported = export_photo(workspace, alice, bob, tmp_path,
                            ("IMG_0042.TIF", "image/tiff", tiff_photo()))
    record, clean, log = exported.record, exported.clean, exported.log
    assert record["detected_type"] == "image/tiff"
    extracted = record["extracted_metadata"]
    assert extracted["fields"] == [list(f) for f in TIFF_FIELDS]
    assert (extracted["warnings"], extracted["incomplete"]) == (["location", "identity"], False)
    assert log["media_type"] == "image/tiff"
    assert any(entry["what"].startswith("location: EXIF GPS") for entry in log["removed"])
    assert any(entry["what"] == "XMP packet" for entry in log["removed"])
    assert any(entry["what"] == "IPTC record" for entry in log["removed"])
    tags = exiftool_tags(clean.read_bytes(), tmp_path, "copy.tif")
    assert tags["File:FileType"] == "TIFF"
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key
                or "Serial" in key or key.startswith(("XMP", "IPTC"))]
