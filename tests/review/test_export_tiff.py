"""The evidence export of a DSLR's TIFF: its metadata listed, and a copy made without it."""

from __future__ import annotations

import json
from pathlib import Path

from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.evidence import EvidenceCase
from tests.review.metadata_samples import TIFF_FIELDS, exiftool_tags, tiff_photo
from tests.review.reviewers import Reviewer


def test_a_tiff_photo_is_listed_and_copied_without_its_metadata(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    submission = encrypted_submission(
        {"narrative": "the photo", "consent": ["lawyers"]},
        recipients=[alice.recipient, bob.recipient],
        attachments=[("IMG_0042.TIF", "image/tiff", tiff_photo())])
    import_bundle(workspace, BundleWriter([submission]).write(tmp_path / "bundle.tar"),
                  actor="operator")
    out = tmp_path / "package"
    EvidenceCase(workspace, submission.id, alice, bob).export(out)
    (record,) = [json.loads(path.read_text(encoding="utf-8"))
                 for path in (out / "data" / "metadata").glob("*.json")]
    assert record["detected_type"] == "image/tiff"
    extracted = record["extracted_metadata"]
    assert extracted["fields"] == [list(f) for f in TIFF_FIELDS]
    assert (extracted["warnings"], extracted["incomplete"]) == (["location", "identity"], False)
    clean = next((out / "data" / "derivatives").glob("*.clean"))
    log = json.loads(clean.with_name(clean.name + ".json").read_text(encoding="utf-8"))
    assert log["media_type"] == "image/tiff"
    assert any(entry["what"].startswith("location: EXIF GPS") for entry in log["removed"])
    assert any(entry["what"] == "XMP packet" for entry in log["removed"])
    assert any(entry["what"] == "IPTC record" for entry in log["removed"])
    tags = exiftool_tags(clean.read_bytes(), tmp_path, "copy.tif")
    assert tags["File:FileType"] == "TIFF"
    assert not [key for key in tags if "GPS" in key or "Make" in key or "Model" in key
                or "Serial" in key or key.startswith(("XMP", "IPTC"))]
