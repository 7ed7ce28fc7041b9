"""Parsing and validating the manifest of a pickup bundle (docs/pickup-bundle.md, version 2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import keys
from contracts import fields
from contracts.pickup import (
    ATTACHMENT,
    ATTACHMENT_NAME,
    FORMAT,
    MAX_MANIFEST_BYTES,
    READABLE_VERSIONS,
    REPORT,
    REPORT_NAME,
    UNSIGNED_VERSION,
    member_name,
)
from contracts.report import MAX_REPORT_BYTES
from review.errors import BundleError
from review.json_fields import FieldChecks


@dataclass(frozen=True)
class FileEntry:
    """One age file a submission is made of, as intake recorded it."""

    name: str
    kind: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SubmissionEntry:
    """One submission in the bundle."""

    id: str
    received_day: str
    reply_recipient: str | None
    files: tuple[FileEntry, ...]
    # The id of the case's first submission when this one is a follow-up (version 3).
    follows: str | None = None
    # The reporter said someone is in danger now (version 4; false before).
    urgent: bool = False

    def member_name(self, file: FileEntry) -> str:
        """The tar member name this file must have."""
        return member_name(self.id, file.name)


@dataclass(frozen=True)
class SkippedSubmission:
    """A submission intake signed that review cannot take; the rest of its bundle is imported.

    Only a fault of the submission itself skips it (its report is over the size both
    apps agree on, a member is no age file). Anything that shows the bundle differs
    from what intake signed (a bad signature, a member not matching its hash or
    size, a missing or unlisted member) still refuses the whole bundle.
    """

    id: str
    reason: str

    def report_line(self) -> str:
        """What the reviewer reads, and passes on to the intake operator."""
        return (
            f"submission {self.id} skipped: {self.reason}; ask the intake operator for "
            f"`haven intake pickup --again {self.id}` after fixing, or to skip it "
            f"(`haven intake skip {self.id}`)"
        )


@dataclass(frozen=True)
class Manifest:
    """A validated manifest."""

    bundle_id: str
    created_day: str
    submissions: tuple[SubmissionEntry, ...]
    # Listed, with their members, in `submissions` too: their members are read past.
    skipped: tuple[SkippedSubmission, ...] = ()

    def members(self) -> dict[str, tuple[SubmissionEntry, FileEntry]]:
        """Every expected tar member name, with the entry it must match."""
        return {s.member_name(f): (s, f) for s in self.submissions for f in s.files}

    def total_bytes(self) -> int:
        """The ciphertext size the bundle declares, for progress reporting."""
        return sum(f.size for s in self.submissions for f in s.files)


UNSIGNED_MESSAGE = (
    "this is a version 1 pickup bundle, which is unsigned and no longer accepted: "
    "anyone with the reviewers' public keys could have made it. Ask the intake "
    "operator for a new pickup (version 2, signed)."
)


def parse_manifest(raw: bytes) -> Manifest:
    """Validate `raw` as a version 2 or 3 manifest, or raise BundleError saying what is wrong."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BundleError("manifest.json is larger than any real manifest")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BundleError(f"manifest.json is not UTF-8 JSON: {error}") from None
    obj = _mapping(document, "manifest")
    # Format and version first: a newer writer's other fields mean nothing to this reader.
    if obj.get("format") != FORMAT:
        raise BundleError(f"manifest format is not {FORMAT!r}")
    if obj.get("version") == UNSIGNED_VERSION:
        raise BundleError(UNSIGNED_MESSAGE)
    if obj.get("version") not in READABLE_VERSIONS:
        raise BundleError(f"unsupported pickup bundle version {obj.get('version')!r}")
    submissions = tuple(_submission(s) for s in _list(obj.get("submissions"), "submissions"))
    ids = [s.id for s in submissions]
    if len(set(ids)) != len(ids):
        raise BundleError("manifest lists a submission id twice")
    return Manifest(
        bundle_id=_hex32(obj.get("bundle_id"), "bundle_id"),
        created_day=_day(obj.get("created_day"), "created_day"),
        submissions=submissions,
        skipped=tuple(s for s in map(_over_limit, submissions) if s is not None),
    )


def _over_limit(entry: SubmissionEntry) -> SkippedSubmission | None:
    # One over-limit report skips its submission alone: refusing the bundle for it
    # would keep every other reporter in the bundle from the reviewers.
    for file in entry.files:
        if file.kind == REPORT and file.size > MAX_REPORT_BYTES:
            return SkippedSubmission(
                entry.id, f"report.age is {file.size} bytes, over the {MAX_REPORT_BYTES} limit"
            )
    return None


def _submission(value: Any) -> SubmissionEntry:
    obj = _mapping(value, "submission")
    sid = _hex32(obj.get("id"), "submission id")
    reply = obj.get("reply_recipient")
    if reply is not None:
        # Any recipient keys can parse: X25519 today, hybrid post-quantum (age1pq1...) next.
        try:
            keys.parse_recipient(reply if isinstance(reply, str) else "")
        except keys.RecipientError:
            raise BundleError(
                f"submission {sid}: reply_recipient is not an age recipient"
            ) from None
    files = tuple(_file(f, sid) for f in _list(obj.get("files"), f"submission {sid} files"))
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise BundleError(f"submission {sid} lists a file name twice")
    reports = [f for f in files if f.kind == REPORT]
    if len(reports) != 1 or reports[0].name != REPORT_NAME:
        raise BundleError(f"submission {sid} must have exactly one report named {REPORT_NAME}")
    follows = obj.get("follows")
    if follows is not None:
        follows = _hex32(follows, f"submission {sid} follows")
        if follows == sid:
            raise BundleError(f"submission {sid} follows itself")
    urgent = obj.get("urgent", False)
    if not isinstance(urgent, bool):
        raise BundleError(f"submission {sid}: urgent must be true or false")
    return SubmissionEntry(sid, _day(obj.get("received_day"), "received_day"), reply, files,
                           follows, urgent)


def _file(value: Any, sid: str) -> FileEntry:
    obj = _mapping(value, "file")
    name, kind, size, digest = obj.get("name"), obj.get("kind"), obj.get("size"), obj.get("sha256")
    if kind == REPORT:
        valid_name = name == REPORT_NAME
    elif kind == ATTACHMENT:
        valid_name = isinstance(name, str) and ATTACHMENT_NAME.fullmatch(name) is not None
    else:
        raise BundleError(f"submission {sid}: unknown file kind {kind!r}")
    if not valid_name:
        raise BundleError(f"submission {sid}: bad file name {name!r} for kind {kind}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise BundleError(f"submission {sid}: {name} has no valid size")
    if not isinstance(digest, str) or not fields.SHA256.fullmatch(digest):
        raise BundleError(f"submission {sid}: {name} has no valid sha256")
    assert isinstance(name, str)
    return FileEntry(name=name, kind=kind, size=size, sha256=digest)

_checks = FieldChecks(BundleError)
_mapping = _checks.mapping
_list = _checks.json_list
_hex32 = _checks.hex32
_day = _checks.day
