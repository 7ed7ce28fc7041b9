"""A small reply bundle writer for intake's tests (the real one is review's).

It writes what docs/reply-bundle.md describes, and lets a test write what it
forbids: another signer, an old sequence, altered bytes, hostile members.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import secrets
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, select

import keys
from contracts.replies import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    DOCUMENT_VERSION_UNNUMBERED,
    FORMAT,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    VERSION,
    reply_member_name,
)
from intake.models import Submission
from keys.signing import REPLIES_NAMESPACE, SigningKey
from tests.intake.forms import MULTIPART, csrf_token

RECEIPT_CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
# Review numbers a case's replies in the order they are written; here, in the order
# a test writes them (rising across cases too, which only spaces the numbers out).
_WRITTEN = itertools.count(1)


def submit_report(client: FlaskClient, narrative: str = "it happened") -> str:
    """Send a report through the form; return its receipt code."""
    response = client.post(
        "/report",
        content_type=MULTIPART,
        data={"csrf_token": csrf_token(client), "narrative": narrative},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.status_code
    match = RECEIPT_CODE.search(response.get_data(as_text=True))
    assert match, "the receipt page shows no code"
    return match.group(1)


def reply_recipient(engine: Engine, submission_id: str) -> keys.Recipient:
    """The reply recipient intake stored for a case."""
    with engine.connect() as connection:
        text = connection.execute(
            select(Submission.reply_recipient).where(Submission.id == submission_id)
        ).scalar_one()
    return keys.parse_recipient(text)


def reply_document(
    reply_id: str,
    submission_id: str,
    *,
    status: str | None = None,
    text: str = "",
    written_day: str = "2031-01-02",
    number: int | None = None,
) -> dict[str, Any]:
    """A reply document; `number` None writes version 1, which has none."""
    document: dict[str, Any] = {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION if number is not None else DOCUMENT_VERSION_UNNUMBERED,
        "id": reply_id,
        "submission_id": submission_id,
        "written_day": written_day,
        "status": status,
        "text": text,
    }
    if number is not None:
        document["number"] = number
    return document


def encrypt_reply(document: dict[str, Any] | bytes, recipient: keys.Recipient) -> bytes:
    plain = document if isinstance(document, bytes) else json.dumps(document).encode("utf-8")
    return keys.encrypt(plain, recipients=[recipient])


@dataclass
class PlannedReply:
    """One reply to put in a bundle: its id, case and age file."""

    id: str
    submission_id: str
    data: bytes


@dataclass
class ReplyBundle:
    """A reply bundle to write, with every part a test may want to spoil."""

    signing_key: SigningKey
    sequence: int = 1
    replies: list[PlannedReply] = field(default_factory=list)
    bundle_id: str = field(default_factory=lambda: secrets.token_hex(16))
    signer: str | None = None  # None: the signing key's own fingerprint
    version: int = VERSION  # VERSION_UNNUMBERED: an older review's bundle
    created_day: str = "2031-01-02"

    def add(
        self,
        recipient: keys.Recipient,
        submission_id: str,
        *,
        status: str | None = None,
        text: str = "",
        reply_id: str | None = None,
        unnumbered: bool = False,
        number: int | None = None,
        written_day: str = "2031-01-02",
    ) -> str:
        """Add a reply, numbered as written now unless `number` is given (or a version 1
        one if `unnumbered`)."""
        reply_id = reply_id or secrets.token_hex(16)
        if not unnumbered and number is None:
            number = next(_WRITTEN)
        document = reply_document(
            reply_id,
            submission_id,
            status=status,
            text=text,
            written_day=written_day,
            number=None if unnumbered else number,
        )
        self.replies.append(
            PlannedReply(reply_id, submission_id, encrypt_reply(document, recipient))
        )
        return reply_id

    def manifest(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": self.version,
            "bundle_id": self.bundle_id,
            "created_day": self.created_day,
            "signer": self.signer or self.signing_key.public_key().fingerprint(),
            "sequence": self.sequence,
            "replies": [
                {
                    "id": reply.id,
                    "submission_id": reply.submission_id,
                    "file": reply_member_name(reply.id),
                    "size": len(reply.data),
                    "sha256": hashlib.sha256(reply.data).hexdigest(),
                }
                for reply in self.replies
            ],
        }
        return json.dumps(document, indent=1).encode("utf-8")

    def write(
        self,
        path: Path,
        *,
        manifest: bytes | None = None,
        signed_manifest: bytes | None = None,
        extra: list[tarfile.TarInfo] | None = None,
        files: dict[str, bytes] | None = None,
    ) -> Path:
        """Write the bundle; `signed_manifest` signs other bytes than those stored."""
        manifest = manifest if manifest is not None else self.manifest()
        signature = self.signing_key.sign(
            signed_manifest if signed_manifest is not None else manifest,
            namespace=REPLIES_NAMESPACE,
        ).encode("ascii")
        members = {reply_member_name(reply.id): reply.data for reply in self.replies}
        if files is not None:
            members = files
        with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
            add_member(tar, MANIFEST_NAME, manifest)
            add_member(tar, SIGNATURE_NAME, signature)
            for name, data in members.items():
                add_member(tar, name, data)
            for info in extra or []:
                tar.addfile(info, io.BytesIO(b"x" * info.size) if info.size else None)
        return path


def add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def deliver(engine: Engine, data_dir: Path, bundle: ReplyBundle, path: Path) -> None:
    """Trust the bundle's signer (once) and load the bundle, as the operator would."""
    from datetime import date

    from intake.reply_loading import load_reply_bundle
    from intake.trusted_reviewers import read_trusted_reviewers, trust_reviewer

    trusted = read_trusted_reviewers(data_dir)
    if not any(known.key == bundle.signing_key.public_key() for known in trusted):
        trust_reviewer(data_dir, str(bundle.signing_key.public_key()))
    load_reply_bundle(
        engine,
        bundle.write(path),
        trusted=read_trusted_reviewers(data_dir),
        today=date(2031, 1, 2),
        # Intake's default: the bundles these tests write are days old at most.
        retention_days=14,
    )
