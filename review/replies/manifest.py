"""The reply bundle's manifest and reply documents, written and validated (docs/reply-bundle.md).

review writes them and intake reads them, and the two never share code; the
validator here is review's reading of the same document, used to check every
bundle before it leaves (and the document's own example, in the tests), so
what review writes is what the contract says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from contracts import fields
from contracts.replies import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    FORMAT,
    MAX_MANIFEST_BYTES,
    MAX_REPLIES,
    MAX_REPLY_FILE_BYTES,
    MAX_TEXT_CHARS,
    STATUSES,
    VERSION,
    reply_member_name,
)
from review.errors import ReplyError
from review.json_fields import FieldChecks


@dataclass(frozen=True)
class ReplyEntry:
    """One reply file of a bundle, as the manifest lists it."""

    id: str
    submission_id: str
    size: int
    sha256: str

    @property
    def file(self) -> str:
        """Its member name: replies/<id>.age."""
        return reply_member_name(self.id)


@dataclass(frozen=True)
class ReplyManifest:
    """A reply bundle's manifest."""

    bundle_id: str
    created_day: str
    signer: str
    sequence: int
    replies: tuple[ReplyEntry, ...]

    def to_json(self) -> bytes:
        """The exact bytes of manifest.json (what the signature covers)."""
        body = {
            "format": FORMAT,
            "version": VERSION,
            "bundle_id": self.bundle_id,
            "created_day": self.created_day,
            "signer": self.signer,
            "sequence": self.sequence,
            "replies": [
                {"id": r.id, "submission_id": r.submission_id, "file": r.file,
                 "size": r.size, "sha256": r.sha256}
                for r in self.replies
            ],
        }
        return json.dumps(body, indent=1, ensure_ascii=True).encode("ascii") + b"\n"


def reply_document(*, reply_id: str, submission_id: str, written_day: str, number: int,
                   status: str | None, text: str) -> bytes:
    """The UTF-8 JSON reply document encrypted to the reporter; `number` is its place
    among its case's replies (1 for the first written), the order the reporter reads."""
    body = {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "id": reply_id,
        "submission_id": submission_id,
        "written_day": written_day,
        "number": number,
        "status": status,
        "text": text,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def parse_reply_manifest(raw: bytes) -> ReplyManifest:
    """Validate `raw` as a version 1 reply manifest, or raise ReplyError saying what is wrong."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ReplyError(f"manifest.json is larger than {MAX_MANIFEST_BYTES} bytes")
    obj = _mapping(_json(raw, "manifest.json"), "manifest")
    if obj.get("format") != FORMAT:
        raise ReplyError(f"manifest format is not {FORMAT!r}")
    if obj.get("version") != VERSION:
        raise ReplyError(f"unsupported reply bundle version {obj.get('version')!r}")
    sequence = obj.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise ReplyError("sequence is not a positive integer")
    signer = obj.get("signer")
    if not isinstance(signer, str) or not fields.FINGERPRINT.fullmatch(signer):
        raise ReplyError("signer is not an SHA256: key fingerprint")
    listed = obj.get("replies")
    if not isinstance(listed, list):
        raise ReplyError("replies is not a JSON list")
    if len(listed) > MAX_REPLIES:
        raise ReplyError(f"more than {MAX_REPLIES} replies")
    replies = tuple(_entry(item) for item in listed)
    if len({r.id for r in replies}) != len(replies):
        raise ReplyError("manifest lists a reply id twice")
    return ReplyManifest(_hex32(obj.get("bundle_id"), "bundle_id"),
                         _day(obj.get("created_day"), "created_day"), signer, sequence, replies)


def parse_reply_document(raw: bytes) -> dict[str, Any]:
    """Validate a decrypted reply document; returns it as a mapping."""
    obj = _mapping(_json(raw, "reply document"), "reply document")
    if obj.get("format") != DOCUMENT_FORMAT or obj.get("version") != DOCUMENT_VERSION:
        raise ReplyError(f"not a {DOCUMENT_FORMAT} version {DOCUMENT_VERSION} document")
    _hex32(obj.get("id"), "id")
    _hex32(obj.get("submission_id"), "submission_id")
    _day(obj.get("written_day"), "written_day")
    number = obj.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ReplyError("number is not a positive integer")
    status, text = obj.get("status"), obj.get("text")
    if status is not None and status not in STATUSES:
        raise ReplyError(f"unknown status {status!r}")
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        raise ReplyError(f"text is not a string of at most {MAX_TEXT_CHARS} characters")
    if status is None and not text:
        raise ReplyError("a reply has a status, a text, or both")
    return obj


def _entry(value: Any) -> ReplyEntry:
    obj = _mapping(value, "reply")
    reply_id = _hex32(obj.get("id"), "reply id")
    size, digest = obj.get("size"), obj.get("sha256")
    if obj.get("file") != reply_member_name(reply_id):
        raise ReplyError(f"reply {reply_id}: file is not {reply_member_name(reply_id)}")
    if (not isinstance(size, int) or isinstance(size, bool)
            or not 0 < size <= MAX_REPLY_FILE_BYTES):
        raise ReplyError(f"reply {reply_id}: size is not 1 to {MAX_REPLY_FILE_BYTES} bytes")
    if not isinstance(digest, str) or not fields.SHA256.fullmatch(digest):
        raise ReplyError(f"reply {reply_id}: sha256 is not 64 lower-case hex characters")
    return ReplyEntry(reply_id, _hex32(obj.get("submission_id"), "submission_id"), size, digest)


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ReplyError(f"{what} is not UTF-8 JSON") from None

_checks = FieldChecks(ReplyError)
_mapping = _checks.mapping
_hex32 = _checks.hex32
_day = _checks.day
