"""What a reporter does in the browser, and what the reviewers receive afterwards."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

import keys
from tests.browser.sites import Intake
from tests.support import WAIT_SECONDS

RECEIPT_CODE = re.compile(r"^([a-z]+(-[a-z]+)* ){6}[a-z]+(-[a-z]+)*$")


@dataclass(frozen=True)
class Upload:
    """A file the reporter attaches."""

    name: str
    mime_type: str
    data: bytes

    def as_playwright(self) -> dict[str, Any]:
        return {"name": self.name, "mimeType": self.mime_type, "buffer": self.data}


def send_report(page: Page, *, narrative: str, uploads: list[Upload]) -> str:
    """Fill in the open form, attach `uploads`, send it, and return the receipt code shown."""
    page.fill("#narrative", narrative)
    page.check("#categories-1")
    page.check("#contact_wanted-1")
    if uploads:
        page.set_input_files("#attachments", files=[u.as_playwright() for u in uploads])
    page.click("form button[type=submit]")
    code = page.locator(".receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(code), code
    return code


def picked_up(intake: Intake) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    """Pick up what intake holds, as the reviewers would, and decrypt it."""
    bundle = intake.data_dir.parent / "bundle.tar"
    subprocess.run(
        [sys.executable, "-c", "from haven.cli import main; main()", "intake", "pickup",
         "--data-dir", str(intake.data_dir), "--out", str(bundle)],
        check=True, capture_output=True, timeout=WAIT_SECONDS,
    )  # fmt: skip
    with tarfile.open(bundle) as archive:
        manifest = json.load(_member(archive, "manifest.json"))
        submissions = []
        for submission in manifest["submissions"]:
            files = {
                entry["name"]: keys.decrypt(
                    _member(archive, f"submissions/{submission['id']}/{entry['name']}").read(),
                    identities=[intake.reviewer],
                )
                for entry in submission["files"]
            }
            submissions.append((json.loads(files.pop("report.age")), files))
    bundle.unlink()
    return submissions


def _member(archive: tarfile.TarFile, name: str) -> io.BufferedReader:
    member = archive.extractfile(name)
    assert member is not None, name
    return member  # type: ignore[return-value]
