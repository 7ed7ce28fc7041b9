"""Checking an evidence package the way a court's expert would, and naming what fails.

Every check runs and every failure is reported with the file at fault; a
package holds only when none fails. The checks: bagit's own validation (each
payload file against manifest-sha256.txt, each tag file against the tag
manifest, Payload-Oxum, no file added or missing), that the tag manifest
lists every tag file but the signature, the signature over the tag manifest
(by the shipped signer, and by a pinned one if given), each item's receipt
hash against its file, and the custody log's chain.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import bagit

import keys
from keys.signing import EVIDENCE_NAMESPACE, VerifyingKey
from review.export import custody
from review.export.errors import PackageUnreadable
from review.export.signature import (
    ALLOWED_SIGNERS,
    SIGNATURE_FILE,
    SIGNED_FILE,
    read_allowed_signers,
)

# Tag files a Haven package holds besides the signature; each must be in the tag manifest.
REQUIRED_TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", ALLOWED_SIGNERS)


@dataclass(frozen=True)
class Failure:
    """One file that does not hold, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Verdict:
    """What verifying a package found."""

    failures: tuple[Failure, ...]
    signer: str
    files: int

    @property
    def holds(self) -> bool:
        return not self.failures


@contextlib.contextmanager
def opened_package(path: Path, *, identities: Sequence[keys.Identity] = ()) -> Iterator[Path]:
    """The bag directory of a package given as a directory, a tar, or an age file of a tar."""
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise PackageUnreadable(f"{path} is not a directory or file")
    with tempfile.TemporaryDirectory(prefix="haven-verify-") as scratch:
        with path.open("rb") as raw:
            if keys.is_age_file(raw.read(64)):
                raw.seek(0)
                if not identities:
                    raise PackageUnreadable(f"{path} is an age file; give --identity to open it")
                try:
                    with keys.decrypting(raw, identities=identities) as plain:
                        _extract(plain, Path(scratch), path)
                except keys.AgeError as error:
                    raise PackageUnreadable(f"{path} does not decrypt: {error}") from None
            else:
                raw.seek(0)
                _extract(raw, Path(scratch), path)
        entries = list(Path(scratch).iterdir())
        if len(entries) != 1 or not entries[0].is_dir():
            raise PackageUnreadable(f"{path} does not hold exactly one package directory")
        yield entries[0]


def _extract(stream: IO[bytes], into: Path, source: Path) -> None:
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            # The "data" filter refuses links out, absolute names and device files.
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise PackageUnreadable(f"{source} is not a readable tar of a package: {error}") from None


def verify_bag(bag_dir: Path, *, pinned: VerifyingKey | None = None) -> Verdict:
    """Every check on the bag at `bag_dir`; the verdict lists each failure."""
    failures: list[Failure] = []
    failures += _bagit_failures(bag_dir)
    failures += _tag_file_failures(bag_dir)
    failures += _manifest_failures(bag_dir, SIGNED_FILE)
    signer, signature_failures = _signature_failures(bag_dir, pinned)
    failures += signature_failures
    failures += _receipt_failures(bag_dir)
    custody_file = bag_dir / "data" / custody.FILE
    if custody_file.is_file():
        failures += [Failure(f"data/{custody.FILE}", p)
                     for p in custody.chain_problems(custody_file.read_bytes())]
    else:
        failures.append(Failure(f"data/{custody.FILE}", "missing"))
    files = sum(1 for p in bag_dir.rglob("*") if p.is_file())
    return Verdict(tuple(dict.fromkeys(failures)), signer, files)


def _bagit_failures(bag_dir: Path) -> list[Failure]:
    try:
        bagit.Bag(str(bag_dir)).validate(processes=1)
    except bagit.BagValidationError as error:
        details = getattr(error, "details", None) or []
        if not details:
            # bagit stopped at its first, bag-wide check: name the files ourselves.
            return [Failure(".", f"not a valid bag: {error.message}"),
                    *_manifest_failures(bag_dir, "manifest-sha256.txt"),
                    *_unlisted_payload(bag_dir)]
        return [Failure(str(getattr(d, "path", ".")), _reason(d)) for d in details]
    except bagit.BagError as error:
        return [Failure(".", f"not a valid bag: {error}"),
                *_manifest_failures(bag_dir, "manifest-sha256.txt"), *_unlisted_payload(bag_dir)]
    return []


def _reason(detail: object) -> str:
    if isinstance(detail, bagit.ChecksumMismatch):
        return "its SHA-256 is not the one its manifest lists (changed since export)"
    if isinstance(detail, bagit.FileMissing):
        return "listed in a manifest but missing (removed since export)"
    if isinstance(detail, bagit.UnexpectedFile):
        return "in the payload but in no manifest (added since export)"
    return str(detail)


def _tag_file_failures(bag_dir: Path) -> list[Failure]:
    listed = _listed(bag_dir / SIGNED_FILE)
    failures = [Failure(name, "missing, or not covered by the tag manifest")
                for name in REQUIRED_TAG_FILES if name not in listed]
    for path in sorted(bag_dir.rglob("*")):
        relative = path.relative_to(bag_dir).as_posix()
        if path.is_dir() or relative.startswith("data/") or relative in listed:
            continue
        if relative not in (SIGNED_FILE, SIGNATURE_FILE):
            failures.append(Failure(relative, "a tag file no manifest covers (added since export)"))
    return failures


def _manifest_failures(bag_dir: Path, manifest: str) -> list[Failure]:
    """Each file a manifest lists against its hash, read here too: when bagit stops at the
    first thing wrong (a Payload-Oxum that no longer adds up, a bagit.txt it cannot parse),
    each file at fault is still named."""
    failures = []
    try:
        lines = (bag_dir / manifest).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return [Failure(manifest, "missing or unreadable")]
    for line in lines:
        digest, _, name = line.partition(" ")
        name = name.strip()
        path = bag_dir / name
        if not name or ".." in Path(name).parts or not path.is_file():
            failures.append(Failure(name or manifest, f"listed in {manifest} but missing "
                                    "(removed since export)"))
        elif _sha256(path) != digest:
            failures.append(Failure(name, f"its SHA-256 is not the one {manifest} lists "
                                    "(changed since export)"))
    return failures


def _unlisted_payload(bag_dir: Path) -> list[Failure]:
    listed = _listed(bag_dir / "manifest-sha256.txt")
    return [Failure(p.relative_to(bag_dir).as_posix(),
                    "in the payload but in no manifest (added since export)")
            for p in sorted((bag_dir / "data").rglob("*"))
            if p.is_file() and p.relative_to(bag_dir).as_posix() not in listed]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _listed(manifest: Path) -> set[str]:
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.split(maxsplit=1)[1].strip() for line in text.splitlines()
            if len(line.split(maxsplit=1)) == 2}


def _signature_failures(bag_dir: Path,
                        pinned: VerifyingKey | None) -> tuple[str, list[Failure]]:
    try:
        signed = (bag_dir / SIGNED_FILE).read_bytes()
        signature = (bag_dir / SIGNATURE_FILE).read_text(encoding="ascii")
        signers = read_allowed_signers((bag_dir / ALLOWED_SIGNERS).read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        return "", [Failure(Path(missing.filename or "").name or SIGNATURE_FILE, "missing")]
    except (OSError, UnicodeDecodeError, keys.SignatureError) as error:
        return "", [Failure(SIGNATURE_FILE, f"unreadable: {error}")]
    failures = []
    if len(signers) != 1:
        return "", [Failure(ALLOWED_SIGNERS, "must name exactly one signer")]
    principal, shipped = signers[0]
    try:
        shipped.verify(signed, signature, namespace=EVIDENCE_NAMESPACE)
    except keys.SignatureError as error:
        failures.append(Failure(SIGNATURE_FILE, f"the signature by {principal} does not verify "
                                f"over {SIGNED_FILE}: {error}"))
    if pinned is not None and pinned != shipped:
        failures.append(Failure(ALLOWED_SIGNERS, f"the shipped signer {shipped.fingerprint()} is "
                                f"not the pinned {pinned.fingerprint()}"))
    return f"{principal} {shipped.fingerprint()}", failures


def _receipt_failures(bag_dir: Path) -> list[Failure]:
    """Each item's intake-time hash must be the hash its original has in the manifest."""
    hashes = {}
    try:
        for line in (bag_dir / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition(" ")
            hashes[name.strip()] = digest
    except (OSError, UnicodeDecodeError):
        return []  # bagit's validation has already named the manifest
    failures = []
    for path in sorted((bag_dir / "data" / "metadata").glob("*.json")):
        relative = path.relative_to(bag_dir).as_posix()
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            original, at_receipt = record["original"], record["sha256_at_receipt"]
        except (OSError, ValueError, KeyError, TypeError):
            failures.append(Failure(relative, "not an item record"))
            continue
        if hashes.get(original) != at_receipt:
            failures.append(Failure(relative, f"the hash intake computed at receipt is not the "
                                    f"hash of {original}"))
    return failures
