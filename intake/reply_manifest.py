"""The reply bundle manifest (docs/reply-bundle.md): parsed only after its signature verified."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts import fields
from contracts.replies import (
    FORMAT,
    MAX_REPLIES,
    MAX_REPLY_FILE_BYTES,
    MAX_SEQUENCE,
    VERSION,
    VERSION_UNNUMBERED,
    reply_member_name,
)
from intake.errors import ReplyBundleRefused

_FIELDS = {"format", "version", "bundle_id", "created_day", "signer", "sequence", "replies"}
_REPLY_FIELDS = {"id", "submission_id", "file", "size", "sha256"}


@dataclass(frozen=True)
class ReplyEntry:
    """One reply the manifest lists: where its age file is and what it must hash to."""

    id: str
    submission_id: str
    file: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ReplyManifest:
    """A signed reply manifest, every field checked."""

    bundle_id: str
    created_day: date
    signer: str
    sequence: int
    replies: tuple[ReplyEntry, ...]
    # Version 1 (VERSION_UNNUMBERED) carries unnumbered documents; see contracts/replies.py.
    version: int = VERSION

    @property
    def numbered(self) -> bool:
        """Whether its documents carry their own order, so it may load out of sequence."""
        return self.version != VERSION_UNNUMBERED


def _object(value: Any, names: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != names:
        raise ReplyBundleRefused(f"{what} must have exactly the fields {', '.join(sorted(names))}")
    return value


def _hex(value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ReplyBundleRefused(f"{what} is not lower-case hexadecimal of the right length")
    return value


def _positive_int(value: Any, what: str) -> int:
    # bool is an int in Python; JSON true is not a number.
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ReplyBundleRefused(f"{what} must be a positive integer")
    return value


def _sequence(value: Any) -> int:
    sequence = _positive_int(value, "sequence")
    if sequence > MAX_SEQUENCE:
        raise ReplyBundleRefused(f"sequence is larger than {MAX_SEQUENCE}")
    return sequence


def parse_reply_manifest(raw: bytes) -> ReplyManifest:
    """Parse the manifest's exact bytes, refusing anything docs/reply-bundle.md does not allow."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ReplyBundleRefused("manifest.json is not UTF-8 JSON") from None
    if not isinstance(document, dict):
        raise ReplyBundleRefused("manifest.json is not a JSON object")
    # format and version first: a later version may change every other field.
    version = document.get("version")
    if (
        document.get("format") != FORMAT
        or isinstance(version, bool)
        or version not in (VERSION_UNNUMBERED, VERSION)
    ):
        raise ReplyBundleRefused(
            f"not a {FORMAT} version {VERSION_UNNUMBERED} or {VERSION} manifest"
        )
    _object(document, _FIELDS, "the manifest")
    try:
        created_day = date.fromisoformat(document["created_day"])
    except (TypeError, ValueError):
        raise ReplyBundleRefused("created_day is not a YYYY-MM-DD day") from None
    if not isinstance(document["signer"], str) or not document["signer"].startswith("SHA256:"):
        raise ReplyBundleRefused("signer is not a SHA256 key fingerprint")
    replies = document["replies"]
    if not isinstance(replies, list) or len(replies) > MAX_REPLIES:
        raise ReplyBundleRefused(f"replies must be a list of at most {MAX_REPLIES}")
    entries = tuple(_entry(item) for item in replies)
    if len({entry.id for entry in entries}) != len(entries):
        raise ReplyBundleRefused("a reply id appears twice in the manifest")
    return ReplyManifest(
        bundle_id=_hex(document["bundle_id"], fields.ID, "bundle_id"),
        created_day=created_day,
        signer=document["signer"],
        sequence=_sequence(document["sequence"]),
        replies=entries,
        version=version,
    )


def _entry(item: Any) -> ReplyEntry:
    entry = _object(item, _REPLY_FIELDS, "a reply entry")
    reply_id = _hex(entry["id"], fields.ID, "a reply id")
    if entry["file"] != reply_member_name(reply_id):
        raise ReplyBundleRefused(f"reply {reply_id} names the file {entry['file']!r}")
    size = _positive_int(entry["size"], "a reply size")
    if size > MAX_REPLY_FILE_BYTES:
        raise ReplyBundleRefused(f"reply {reply_id} is larger than {MAX_REPLY_FILE_BYTES} bytes")
    return ReplyEntry(
        id=reply_id,
        submission_id=_hex(entry["submission_id"], fields.ID, "a submission id"),
        file=entry["file"],
        size=size,
        sha256=_hex(entry["sha256"], fields.SHA256, "a reply sha256"),
    )
