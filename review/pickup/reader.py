"""Reading a pickup bundle into a staging directory, trusting nothing in it.

The archive is read with review's own strict ustar reader (ustar.py), never
with tarfile, whose parsing of pax and GNU headers can be made to run for
minutes by a bundle nobody has verified yet. The manifest's signature is
checked against the pinned intake keys before any other member's header is
parsed. Every member is then checked against the signed manifest before a
byte of it is kept, and copied with its size bounded by what the manifest
declares; only plain regular files are accepted (a sparse member could expand
far beyond its bytes in the archive), and the declared total must fit in the
free space of the workspace's file system with room to spare. So a hostile
bundle can neither write outside the staging directory nor make the import
fill the disk. The caller commits the staged files only once the whole bundle
has passed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from contracts.pickup import MANIFEST_NAME, MAX_MANIFEST_BYTES, SIGNATURE_NAME, UNSIGNED_VERSION
from keys.signing import VerifyingKey
from review.errors import BundleError
from review.pickup.manifest import (
    UNSIGNED_MESSAGE,
    FileEntry,
    Manifest,
    SkippedSubmission,
    SubmissionEntry,
    parse_manifest,
)
from review.pickup.provenance import MAX_SIGNATURE_BYTES, verify_manifest
from review.pickup.ustar import MemberHeader, UstarReader

AGE_MAGIC = b"age-encryption.org/v1\n"
# Larger than any attachment intake accepts; a member claiming more is refused unread.
DEFAULT_MAX_MEMBER_BYTES = 4 * 1024**3
# Space left free after an import: the database, its WAL and the OS need room too.
DISK_RESERVE_BYTES = 256 * 1024 * 1024
_COPY_CHUNK = 1024 * 1024

FreeSpace = Callable[[Path], int]

# Called with the bytes verified since the last call; a Total with what the bundle
# declares in all, once its signed manifest is read, so a bar can show "3.1/157.3 MB".
Progress = Callable[[int], None]
Total = Callable[[int], None]


@dataclass(frozen=True)
class StagedFile:
    """A member that matched its manifest entry, waiting in the staging directory."""

    submission: SubmissionEntry
    file: FileEntry
    path: Path


@dataclass(frozen=True)
class StagedBundle:
    """A bundle whose every member was verified; `directory` is removed by `discard`."""

    manifest: Manifest
    files: tuple[StagedFile, ...]
    directory: Path
    # Fingerprint of the pinned intake key that signed the manifest.
    signer: str
    # Submissions not staged, with why (none of their files is in `files`).
    skipped: tuple[SkippedSubmission, ...] = ()

    def discard(self) -> None:
        """Remove whatever is still staged."""
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass(frozen=True)
class Limits:
    """What a bundle may claim before it is refused unread."""

    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES
    disk_reserve_bytes: int = DISK_RESERVE_BYTES


DEFAULT_LIMITS = Limits()


def free_space(path: Path) -> int:
    """Bytes free for this user on the file system holding `path`."""
    return shutil.disk_usage(path).free


def stage_bundle(
    bundle: Path,
    *,
    staging_root: Path,
    trusted: Sequence[VerifyingKey],
    limits: Limits = DEFAULT_LIMITS,
    free: FreeSpace = free_space,
    progress: Progress | None = None,
    total: Total | None = None,
) -> StagedBundle:
    """Verify `bundle` member by member into a fresh directory under `staging_root`.

    `total` hears the ciphertext size the manifest declares, after its
    signature is verified and before any member is copied.
    """
    directory = Path(tempfile.mkdtemp(prefix="bundle-", dir=staging_root))
    try:
        with _opened(bundle) as archive:
            report = progress or (lambda _: None)
            reader = _Reader(archive, directory, trusted, limits, free, report,
                             total or (lambda _: None))
            manifest, signer, files = reader.read()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    skipped = {s.id: s for s in (*manifest.skipped, *reader.skipped)}
    kept = tuple(f for f in files if f.submission.id not in skipped)
    for dropped in set(files) - set(kept):
        dropped.path.unlink()
    return StagedBundle(manifest=manifest, files=kept, directory=directory, signer=signer,
                        skipped=tuple(skipped.values()))


@contextmanager
def _opened(bundle: Path) -> Iterator[UstarReader]:
    """The bundle's members; I/O errors while reading it become BundleError."""
    # A compressed bundle is refused by the reader (its first block is no ustar
    # header): decompressing would let a small bundle expand without bound.
    try:
        with bundle.open("rb") as stream:
            yield UstarReader(stream)
    except OSError as error:
        raise BundleError(f"cannot read the bundle: {error.strerror or error}") from None


class _Reader:
    """One pass over the archive's members, in the order the format fixes."""

    def __init__(
        self,
        archive: UstarReader,
        directory: Path,
        trusted: Sequence[VerifyingKey],
        limits: Limits,
        free: FreeSpace,
        progress: Progress,
        total: Total,
    ) -> None:
        self._archive = archive
        self._directory = directory
        self._trusted = trusted
        self._limits = limits
        self._free = free
        self._progress = progress
        self._total = total
        self._seen: set[str] = set()
        # Found while reading: members intake signed that are no age file.
        self.skipped: list[SkippedSubmission] = []

    def _next(self) -> MemberHeader | None:
        member = self._archive.next()
        if member is not None:
            _check_name(member.name, self._seen)
            self._seen.add(member.name)
        return member

    def read(self) -> tuple[Manifest, str, tuple[StagedFile, ...]]:
        manifest, signer = self._signed_manifest()
        total = manifest.total_bytes()
        available = self._free(self._directory) - self._limits.disk_reserve_bytes
        if total > available:
            raise BundleError(
                f"the bundle declares {total} bytes; the workspace's disk has room for "
                f"{max(available, 0)} (keeping {self._limits.disk_reserve_bytes} free)"
            )
        self._total(total)
        return manifest, signer.fingerprint(), self._submissions(manifest)

    def _signed_manifest(self) -> tuple[Manifest, VerifyingKey]:
        first = self._next()
        if first is None:
            raise BundleError("the bundle is empty")
        if first.name != MANIFEST_NAME:
            raise BundleError(f"the first member must be {MANIFEST_NAME}, not {first.name!r}")
        if first.size > MAX_MANIFEST_BYTES:
            raise BundleError("manifest.json is larger than any real manifest")
        raw = self._archive.read(first.size)
        second = self._next()
        if second is None or second.name != SIGNATURE_NAME:
            if _declares_unsigned_version(raw):
                raise BundleError(UNSIGNED_MESSAGE)
            raise BundleError(
                f"the second member must be {SIGNATURE_NAME} (the intake's signature); "
                "an unsigned bundle is refused"
            )
        if second.size > MAX_SIGNATURE_BYTES:
            raise BundleError(f"{SIGNATURE_NAME} is larger than any SSH signature")
        signer = verify_manifest(raw, self._archive.read(second.size), trusted=self._trusted)
        # Only now, signed by a pinned intake key, is the manifest worth parsing.
        return parse_manifest(raw), signer

    def _submissions(self, manifest: Manifest) -> tuple[StagedFile, ...]:
        expected = manifest.members()
        staged: list[StagedFile] = []
        while (member := self._next()) is not None:
            staged.append(self._member(member, expected, len(staged)))
        missing = sorted(set(expected) - self._seen)
        if missing:
            raise BundleError(f"the manifest lists {missing[0]!r}, which is not in the bundle")
        return tuple(staged)

    def _member(
        self,
        member: MemberHeader,
        expected: dict[str, tuple[SubmissionEntry, FileEntry]],
        index: int,
    ) -> StagedFile:
        max_member_bytes = self._limits.max_member_bytes
        if member.name not in expected:
            raise BundleError(f"member {member.name!r} is not listed in the manifest")
        submission, entry = expected[member.name]
        if member.size > max_member_bytes:
            raise BundleError(f"member {member.name!r} is oversized ({member.size} bytes)")
        if member.size != entry.size:
            raise BundleError(
                f"member {member.name!r} is {member.size} bytes, the manifest says {entry.size}"
            )
        target = self._directory / f"{index:08d}.age"
        _copy_verified(self._archive, member, entry, target, self._progress)
        if not _is_age(target):
            # Its bytes are what intake signed, so the bundle is intact: only this
            # submission is unusable.
            self.skipped.append(
                SkippedSubmission(submission.id, f"{entry.name} is not a binary age v1 file")
            )
        return StagedFile(submission=submission, file=entry, path=target)


def _declares_unsigned_version(raw: bytes) -> bool:
    """Whether an unsigned manifest claims version 1 (only to word the refusal)."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(document, dict) and document.get("version") == UNSIGNED_VERSION


def _check_name(name: str, seen: set[str]) -> None:
    if "\\" in name:
        raise BundleError(f"member name {name!r} holds a backslash")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or str(path) != name:
        raise BundleError(f"member name {name!r} is absolute, not normalised or climbs out")
    if name in seen:
        raise BundleError(f"member {name!r} appears twice")


def _copy_verified(
    archive: UstarReader,
    member: MemberHeader,
    entry: FileEntry,
    target: Path,
    progress: Progress,
) -> None:
    digest = hashlib.sha256()
    with target.open("xb") as sink:
        _copy(archive, sink, digest, entry.size, progress)
    if digest.hexdigest() != entry.sha256:
        raise BundleError(f"member {member.name!r} does not match its sha256 in the manifest")


def _is_age(path: Path) -> bool:
    with path.open("rb") as staged:
        return staged.read(len(AGE_MAGIC)) == AGE_MAGIC


def _copy(
    archive: UstarReader, sink: IO[bytes], digest: hashlib._Hash, size: int, progress: Progress
) -> None:
    """Copy the member's `size` bytes."""
    copied = 0
    while copied < size:
        # The reader refuses a member whose data ends early (a truncated bundle).
        chunk = archive.read(min(_COPY_CHUNK, size - copied))
        digest.update(chunk)
        sink.write(chunk)
        copied += len(chunk)
        progress(len(chunk))
