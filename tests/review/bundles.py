"""Building pickup bundles as docs/pickup-bundle.md describes, and hostile variants of them.

The review tests must not import intake/, so this is an independent writer of
the documented format: if intake and this helper disagree, the document decides.
Bundles are signed with INTAKE_KEY, the test suite's stand-in for the intake
server's signing key, which the `workspace` fixture pins.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keys
from keys.signing import PICKUP_NAMESPACE, SigningKey

# Ed25519 generation is cheap; one key per test run is plenty.
INTAKE_KEY = SigningKey.generate()


def report_document(
    answers: dict[str, Any],
    *,
    language: str = "en",
    urgent: bool = False,
    attachments: Sequence[dict[str, Any]] = (),
    received_day: str = "2025-03-14",
) -> dict[str, Any]:
    """A version 1 report document."""
    return {
        "format": "haven-report",
        "version": 1,
        "questionnaire": {"version": "1.0.0", "sha256": "0" * 64},
        "received_day": received_day,
        "language": language,
        "urgent": urgent,
        "answers": answers,
        "attachments": list(attachments),
    }


@dataclass
class Submission:
    """One submission: its id, day and (name, kind, ciphertext) files."""

    id: str
    received_day: str
    files: list[tuple[str, str, bytes]]
    reply_recipient: str | None = None
    # The case's first submission, for a follow-up (version 3).
    follows: str | None = None
    # The reporter said someone is in danger now (version 4).
    urgent: bool = False


def encrypted_submission(
    answers: dict[str, Any],
    *,
    recipients: Sequence[keys.Recipient],
    attachments: Sequence[tuple[str, str, bytes]] = (),
    language: str = "en",
    urgent: bool = False,
    received_day: str = "2025-03-14",
) -> Submission:
    """A submission whose report and attachments (original name, type, bytes) are encrypted."""
    described, files = _encrypted_attachments(attachments, recipients)
    document = report_document(answers, language=language, urgent=urgent,
                               attachments=described, received_day=received_day)
    plaintext = json.dumps(document, ensure_ascii=False).encode("utf-8")
    report = ("report.age", "report", keys.encrypt(plaintext, recipients=recipients))
    return Submission(secrets.token_hex(16), received_day, [report, *files], urgent=urgent)


def follow_up_document(
    follows: str,
    message: str,
    *,
    consent: dict[str, Any] | None = None,
    attachments: Sequence[dict[str, Any]] = (),
    language: str = "en",
    received_day: str = "2025-04-01",
) -> dict[str, Any]:
    """A version 1 follow-up document (docs/pickup-bundle.md, "Follow-ups (version 3)")."""
    return {
        "format": "haven-follow-up",
        "version": 1,
        "follows": follows,
        "received_day": received_day,
        "language": language,
        "message": message,
        "consent": consent,
        "attachments": list(attachments),
    }


def encrypted_follow_up(
    follows: str,
    message: str,
    *,
    recipients: Sequence[keys.Recipient],
    consent: dict[str, Any] | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    received_day: str = "2025-04-01",
    document: bytes | None = None,
) -> Submission:
    """A follow-up submission of case `follows`; `document` replaces its honest plaintext."""
    described, files = _encrypted_attachments(attachments, recipients)
    if document is None:
        document = json.dumps(follow_up_document(
            follows, message, consent=consent, attachments=described,
            received_day=received_day), ensure_ascii=False).encode("utf-8")
    report = ("report.age", "report", keys.encrypt(document, recipients=recipients))
    return Submission(secrets.token_hex(16), received_day, [report, *files], follows=follows)


def _encrypted_attachments(
    attachments: Sequence[tuple[str, str, bytes]], recipients: Sequence[keys.Recipient]
) -> tuple[list[dict[str, Any]], list[tuple[str, str, bytes]]]:
    described = []
    files: list[tuple[str, str, bytes]] = []
    for number, (original, content_type, data) in enumerate(attachments, 1):
        name = f"attachment-{number:03d}.age"
        described.append({
            "file": name, "original_name": original, "content_type": content_type,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        })
        files.append((name, "attachment", keys.encrypt(data, recipients=recipients)))
    return described, files


@dataclass
class BundleWriter:
    """Writes a bundle; the `extra_*` and `manifest_*` knobs make hostile ones."""

    submissions: list[Submission]
    bundle_id: str = field(default_factory=lambda: secrets.token_hex(16))
    manifest_override: dict[str, Any] | None = None
    # None writes an unsigned bundle (no manifest.json.sig member).
    signing_key: SigningKey | None = INTAKE_KEY

    def manifest(self) -> dict[str, Any]:
        """The honest manifest of the submissions."""
        if self.manifest_override is not None:
            return self.manifest_override
        return {
            "format": "haven-pickup",
            "version": 4,
            "bundle_id": self.bundle_id,
            "created_day": "2025-03-15",
            "submissions": [
                {
                    "id": s.id,
                    "received_day": s.received_day,
                    "reply_recipient": s.reply_recipient,
                    "follows": s.follows,
                    "urgent": s.urgent,
                    "files": [
                        {"name": name, "kind": kind, "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()}
                        for name, kind, data in s.files
                    ],
                }
                for s in self.submissions
            ],
        }

    def members(self) -> list[tuple[str, bytes]]:
        """(name, bytes) of every member in the documented order."""
        manifest = json.dumps(self.manifest()).encode("utf-8")
        found = [("manifest.json", manifest)]
        if self.signing_key is not None:
            signature = self.signing_key.sign(manifest, namespace=PICKUP_NAMESPACE)
            found.append(("manifest.json.sig", signature.encode("ascii")))
        for s in self.submissions:
            found += [(f"submissions/{s.id}/{name}", data) for name, _, data in s.files]
        return found

    def write(self, path: Path, members: list[tuple[str, bytes]] | None = None,
              extra: Sequence[tarfile.TarInfo] = ()) -> Path:
        """Write `members` (default: the honest ones) and any `extra` raw entries."""
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
            for name, data in members if members is not None else self.members():
                add_file(archive, name, data)
            for info in extra:
                archive.addfile(info)
        return path


def add_file(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    """Add a regular file member."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def link_member(name: str, target: str, *, hard: bool = False) -> tarfile.TarInfo:
    """A symbolic (or hard) link member."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info
