"""Evidence-export test helpers: a workspace case with attachments, and packages of it."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from review.casefile.library import CaseLibrary
from review.export.package import Exported, ExportRequest, export_cases
from review.pickup.importer import import_bundle
from review.session.signing_keys import unlock_signing_key
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.reviewers import Reviewer
from tests.support import require_program

CONTACT = "+44 7700 900123"
ANSWERS: dict[str, Any] = {
    "narrative": "他们在伦敦跟踪我。 ཁོང་ཚོས་ང་ལ་རྗེས་འདེད་བྱས། Ular meni kuzetti.",
    "categories": ["surveillance"],
    "consent": ["lawyers", "ngos"],
    "police_country": "",
    "contact_details": CONTACT,
}
NOTES = b"Notes the reporter typed on the bus.\n"


def photo_with_location() -> bytes:
    """A small JPEG whose EXIF names the phone, the time and a place (the Eiffel Tower)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:30 10:00:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.88)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.2)
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


# How each stock tool the evidence tests call is installed (.ci/run installs them all).
INSTALL_HINTS = {
    "bagit.py": "pip install bagit (a runtime dependency: `pip install -e .`)",
    "sha256sum": "coreutils",
    "ssh-keygen": "apt install openssh-client",
    "age": "apt install age",
    "exiftool": "apt install libimage-exiftool-perl",
    "pdftotext": "apt install poppler-utils",
}


def need_tool(name: str) -> str:
    """The path of a stock tool; missing, it skips, or fails under HAVEN_STRICT_TESTS=1."""
    return require_program(name, INSTALL_HINTS[name])


def run(*args: str | Path, cwd: Path | None = None, stdin: bytes | None = None
        ) -> subprocess.CompletedProcess[bytes]:
    """A stock tool's run, its output kept for the assertion message."""
    return subprocess.run([str(a) for a in args], cwd=cwd, input=stdin, capture_output=True,
                          check=False, timeout=300)


@dataclass
class EvidenceCase:
    """A workspace holding one case (a photo, a text file), readable by alice and bob."""

    workspace: Workspace
    case_id: str
    alice: Reviewer
    bob: Reviewer

    def library(self, reviewer: Reviewer) -> CaseLibrary:
        return CaseLibrary.build(self.workspace, identities=[reviewer.identity])

    def export(self, out: Path, *, by: Reviewer | None = None, **changes: Any) -> Exported:
        reviewer = by or self.alice
        fields: dict[str, Any] = {"case_ids": (self.case_id,), "recipient": "Counsel for A.",
                                  "recipient_kind": "lawyers", "purpose": "court filing"}
        fields.update(changes)
        key = unlock_signing_key(self.workspace, reviewer=reviewer.name,
                                 identity=reviewer.identity)
        return export_cases(self.workspace, self.library(reviewer), ExportRequest(**fields),
                            out=out, reviewer=reviewer.name, identities=[reviewer.identity],
                            signing_key=key)


def make_case(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path,
              answers: dict[str, Any] | None = None) -> EvidenceCase:
    submission = encrypted_submission(
        answers or ANSWERS, recipients=[alice.recipient, bob.recipient], language="zh-Hans",
        attachments=[("IMG_0001.jpg", "image/jpeg", photo_with_location()),
                     ("notes.txt", "text/plain", NOTES)])
    bundle = BundleWriter([submission]).write(tmp_path / "bundle.tar")
    import_bundle(workspace, bundle, actor="operator")
    return EvidenceCase(workspace, submission.id, alice, bob)


@dataclass(frozen=True)
class ExportedPhoto:
    """One photo's evidence export: its metadata record, its copy without metadata, and that
    copy's log of what was removed."""

    record: dict[str, Any]
    clean: Path
    log: dict[str, Any]


def export_photo(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path,
                 attachment: tuple[str, str, bytes]) -> ExportedPhoto:
    """A case holding `attachment` (name, content type, bytes), exported by alice."""
    submission = encrypted_submission(
        {"narrative": "the photo", "consent": ["lawyers"]},
        recipients=[alice.recipient, bob.recipient], attachments=[attachment])
    import_bundle(workspace, BundleWriter([submission]).write(tmp_path / "bundle.tar"),
                  actor="operator")
    out = tmp_path / "package"
    EvidenceCase(workspace, submission.id, alice, bob).export(out)
    (record,) = [json.loads(path.read_text(encoding="utf-8"))
                 for path in (out / "data" / "metadata").glob("*.json")]
    clean = next((out / "data" / "derivatives").glob("*.clean"))
    log = json.loads(clean.with_name(clean.name + ".json").read_text(encoding="utf-8"))
    return ExportedPhoto(record, clean, log)
