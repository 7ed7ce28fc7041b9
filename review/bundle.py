"""Reading a pickup bundle into a staging directory, trusting nothing in it.

Every member is checked against the manifest before a byte of it is kept, and
copied with its size bounded by what the manifest declares, so a hostile bundle
can neither write outside the staging directory nor fill the disk. The caller
commits the staged files only once the whole bundle has passed.
"""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from review.errors import BundleError
from review.manifest import MAX_MANIFEST_BYTES, FileEntry, Manifest, SubmissionEntry, parse_manifest

MANIFEST_NAME = "manifest.json"
AGE_MAGIC = b"age-encryption.org/v1\n"
# Larger than any attachment intake accepts; a member claiming more is refused unread.
DEFAULT_MAX_MEMBER_BYTES = 4 * 1024**3
_COPY_CHUNK = 1024 * 1024

Progress = Callable[[int], None]


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

    def discard(self) -> None:
        """Remove whatever is still staged."""
        shutil.rmtree(self.directory, ignore_errors=True)


def stage_bundle(
    bundle: Path,
    *,
    staging_root: Path,
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
    progress: Progress | None = None,
) -> StagedBundle:
    """Verify `bundle` member by member into a fresh directory under `staging_root`."""
    directory = Path(tempfile.mkdtemp(prefix="bundle-", dir=staging_root))
    try:
        manifest, files = _read(bundle, directory, max_member_bytes, progress or (lambda _: None))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return StagedBundle(manifest=manifest, files=files, directory=directory)


def _read(
    bundle: Path, directory: Path, max_member_bytes: int, progress: Progress
) -> tuple[Manifest, tuple[StagedFile, ...]]:
    try:
        # "r:" refuses compression: the format is a plain tar, and a compressed
        # member stream would let a small bundle expand without bound.
        with tarfile.open(bundle, mode="r:") as archive:
            return _read_members(archive, directory, max_member_bytes, progress)
    except (tarfile.TarError, EOFError) as error:
        raise BundleError(f"not a readable tar archive: {error}") from None
    except OSError as error:
        raise BundleError(f"cannot read the bundle: {error.strerror or error}") from None


def _read_members(
    archive: tarfile.TarFile, directory: Path, max_member_bytes: int, progress: Progress
) -> tuple[Manifest, tuple[StagedFile, ...]]:
    manifest: Manifest | None = None
    expected: dict[str, tuple[SubmissionEntry, FileEntry]] = {}
    seen: set[str] = set()
    staged: list[StagedFile] = []
    for member in archive:
        _check_member(member, seen)
        seen.add(member.name)
        if manifest is None:
            if member.name != MANIFEST_NAME:
                raise BundleError(f"the first member must be {MANIFEST_NAME}, not {member.name!r}")
            if member.size > MAX_MANIFEST_BYTES:
                raise BundleError("manifest.json is larger than any real manifest")
            manifest = parse_manifest(_read_all(archive, member))
            expected = manifest.members()
            continue
        if member.name not in expected:
            raise BundleError(f"member {member.name!r} is not listed in the manifest")
        submission, entry = expected[member.name]
        if member.size > max_member_bytes:
            raise BundleError(f"member {member.name!r} is oversized ({member.size} bytes)")
        if member.size != entry.size:
            raise BundleError(
                f"member {member.name!r} is {member.size} bytes, the manifest says {entry.size}"
            )
        target = directory / f"{len(staged):08d}.age"
        _copy_verified(archive, member, entry, target, progress)
        staged.append(StagedFile(submission=submission, file=entry, path=target))
    if manifest is None:
        raise BundleError("the bundle is empty")
    missing = sorted(set(expected) - seen)
    if missing:
        raise BundleError(f"the manifest lists {missing[0]!r}, which is not in the bundle")
    return manifest, tuple(staged)


def _check_member(member: tarfile.TarInfo, seen: set[str]) -> None:
    name = member.name
    if not member.isreg():
        kind = "link" if member.issym() or member.islnk() else "non-regular member"
        raise BundleError(f"the bundle holds a {kind} ({name!r}); only regular files are allowed")
    if "\\" in name or "\x00" in name:
        raise BundleError(f"member name {name!r} holds a backslash or NUL")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or str(path) != name:
        raise BundleError(f"member name {name!r} is absolute, not normalised or climbs out")
    if name in seen:
        raise BundleError(f"member {name!r} appears twice")


def _read_all(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    source = archive.extractfile(member)
    assert source is not None  # regular files always have a data stream
    data = source.read(member.size + 1)
    if len(data) != member.size:
        raise BundleError(f"member {member.name!r} is truncated")
    return data


def _copy_verified(
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    entry: FileEntry,
    target: Path,
    progress: Progress,
) -> None:
    source = archive.extractfile(member)
    assert source is not None  # regular files always have a data stream
    digest = hashlib.sha256()
    with target.open("xb") as sink:
        head, copied = _copy(source, sink, digest, entry.size, progress)
    if copied != entry.size:
        raise BundleError(f"member {member.name!r} is truncated")
    if digest.hexdigest() != entry.sha256:
        raise BundleError(f"member {member.name!r} does not match its sha256 in the manifest")
    if not head.startswith(AGE_MAGIC):
        raise BundleError(f"member {member.name!r} is not a binary age v1 file")


def _copy(
    source: IO[bytes], sink: IO[bytes], digest: hashlib._Hash, limit: int, progress: Progress
) -> tuple[bytes, int]:
    """Copy at most `limit` bytes; return the first chunk (for the magic check) and the count."""
    head = b""
    copied = 0
    while copied < limit:
        chunk = source.read(min(_COPY_CHUNK, limit - copied))
        if not chunk:
            break
        head = head or chunk
        digest.update(chunk)
        sink.write(chunk)
        copied += len(chunk)
        progress(len(chunk))
    return head, copied
