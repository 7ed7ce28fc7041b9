"""One attachment into the package: its original byte for byte, and its metadata record.

The original is decrypted straight into data/originals/, hashed as it is
written; the hash intake computed at receipt (inside the encrypted report
document) must equal it, or the export stops: the chain of integrity starts at
receipt, and a package must never carry a file that is not what the reporter sent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keys
from review.casefile.attachment_metadata import inspect
from review.casefile.attachments import MAX_INSPECT_BYTES, stream_plaintext
from review.casefile.report_reader import AttachmentInfo
from review.export.errors import DamagedAttachment
from review.workspace.models import StoredFile
from review.workspace.store import Workspace

# Stored names are intake's ("attachment-001.age"); anything else is refused as a path.
_STORED_NAME = re.compile(r"([a-z0-9][a-z0-9-]{0,59})\.age")

Written = Callable[[int], None]


@dataclass(frozen=True)
class Item:
    """One attachment as the package holds it."""

    item_id: str  # "<submission id>-<stored name>": the file names under data/
    case_id: str
    submission_id: str
    original_name: str
    size: int
    sha256: str
    detected_type: str
    declared_type: str

    @property
    def original_path(self) -> str:
        return f"data/originals/{self.item_id}"


def item_id(submission_id: str, stored: StoredFile) -> str:
    """The path-safe name of an attachment in the package (never the reporter's file name)."""
    match = _STORED_NAME.fullmatch(stored.name)
    if match is None:
        raise DamagedAttachment(f"submission {submission_id} holds a file named "
                                f"{stored.name[:64]!r}, which is not an intake attachment name")
    return f"{submission_id}-{match.group(1)}"


def write_original(
    workspace: Workspace, stored: StoredFile, described: AttachmentInfo | None, *,
    case_id: str, payload: Path, identities: Sequence[keys.Identity], written: Written,
) -> tuple[Item, dict[str, Any]]:
    """Decrypt one attachment into payload/originals/, check its receipt hash; its metadata."""
    name = item_id(stored.submission_id, stored)
    where = f"attachment {stored.name} of submission {stored.submission_id}"
    if described is None or not re.fullmatch(r"[0-9a-f]{64}", described.sha256):
        raise DamagedAttachment(f"{where}: the report does not give the hash intake "
                                "computed at receipt, so its integrity cannot be shown")
    target = payload / "originals" / name
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    try:
        with target.open("xb") as out:
            for chunk in stream_plaintext(workspace, stored, identities=identities):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if len(head) <= MAX_INSPECT_BYTES:
                    head += chunk[: MAX_INSPECT_BYTES + 1 - len(head)]
                written(len(chunk))
    except keys.AgeError as error:
        raise DamagedAttachment(f"{where} is damaged in the workspace "
                                f"(its ciphertext does not decrypt: {error})") from None
    except FileNotFoundError:
        raise DamagedAttachment(f"{where} is missing from the workspace's objects") from None
    if digest.hexdigest() != described.sha256:
        raise DamagedAttachment(f"{where}: its SHA-256 {digest.hexdigest()} is not the "
                                f"{described.sha256} intake computed at receipt")
    inspected = inspect(bytes(head)) if len(head) <= MAX_INSPECT_BYTES else None
    item = Item(name, case_id, stored.submission_id, described.original_name, size,
                digest.hexdigest(),
                inspected.detected_type if inspected else "not inspected (too large)",
                described.content_type)
    record = {
        "item": name,
        "case": case_id,
        "submission": stored.submission_id,
        "original": item.original_path,
        "original_name": described.original_name,
        "size": size,
        "sha256": item.sha256,
        # Computed by intake when the file arrived, carried in the encrypted report.
        "sha256_at_receipt": described.sha256,
        "detected_type": item.detected_type,
        "extracted_metadata": (
            {"fields": [list(f) for f in inspected.fields],
             "warnings": list(inspected.warnings), "incomplete": inspected.incomplete}
            if inspected else None),
        "reporter_said": {
            "file_name": described.original_name,
            "content_type": described.content_type,
            "size": described.size,
        },
    }
    return item, record
