"""The reviewer keys intake trusts to sign reply bundles: DATA/trusted_reviewers.

One OpenSSH public key line per reviewer (`ssh-ed25519 AAAA... name`), the
line `haven review signing-key` prints. A reply bundle is loaded only if one of
these keys signed it, so whoever can write this file decides whose words a
reporter reads: it is refused when anyone but its owner may write to it.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from intake.durable import fsync_directory
from intake.errors import TrustedReviewersError
from keys.errors import SignatureError
from keys.signing import VerifyingKey

TRUSTED_REVIEWERS_FILE = "trusted_reviewers"
# A reviewer's name is for the operator's eyes: one printable line, bounded.
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class TrustedReviewer:
    """One trusted signing key and the name the operator gave it."""

    key: VerifyingKey
    name: str

    def line(self) -> str:
        return f"{self.key} {self.name}".rstrip()


def read_trusted_reviewers(data_dir: Path) -> list[TrustedReviewer]:
    """Return the trusted keys; none when the file does not exist yet."""
    path = data_dir / TRUSTED_REVIEWERS_FILE
    try:
        mode = path.stat().st_mode
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as error:
        raise TrustedReviewersError(f"{path} cannot be read: {error.__class__.__name__}") from None
    if not stat.S_ISREG(mode):
        raise TrustedReviewersError(f"{path} is not a regular file")
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise TrustedReviewersError(
            f"{path} is writable by other users, who could make intake trust their key; "
            f"run `chmod 600 {path}`"
        )
    reviewers = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            reviewers.append(parse_reviewer_line(line))
        except TrustedReviewersError as error:
            raise TrustedReviewersError(f"{path}, line {number}: {error}") from None
    return reviewers


def parse_reviewer_line(line: str) -> TrustedReviewer:
    """Parse `ssh-ed25519 AAAA... [name]`, refusing anything else."""
    parts = line.strip().split(maxsplit=2)
    try:
        key = VerifyingKey.parse(" ".join(parts[:2]))
    except SignatureError as error:
        raise TrustedReviewersError(str(error)) from None
    name = parts[2].strip() if len(parts) > 2 else ""
    if len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise TrustedReviewersError(
            f"a reviewer name is one printable line of at most {MAX_NAME_CHARS} characters"
        )
    return TrustedReviewer(key=key, name=name)


def trust_reviewer(data_dir: Path, line: str) -> TrustedReviewer:
    """Add the key of `line`; refuse one already trusted."""
    reviewer = parse_reviewer_line(line)
    reviewers = read_trusted_reviewers(data_dir)
    if any(known.key == reviewer.key for known in reviewers):
        raise TrustedReviewersError(f"{reviewer.key.fingerprint()} is already trusted")
    _write(data_dir, [*reviewers, reviewer])
    return reviewer


def distrust_reviewer(data_dir: Path, fingerprint: str) -> TrustedReviewer:
    """Remove the key whose SHA-256 fingerprint is `fingerprint`; refuse an unknown one."""
    reviewers = read_trusted_reviewers(data_dir)
    removed = [known for known in reviewers if known.key.fingerprint() == fingerprint]
    if not removed:
        raise TrustedReviewersError(f"no trusted reviewer key has the fingerprint {fingerprint}")
    _write(data_dir, [known for known in reviewers if known.key.fingerprint() != fingerprint])
    return removed[0]


def _write(data_dir: Path, reviewers: list[TrustedReviewer]) -> None:
    # Written whole under a temporary name and renamed over the old file, so a crash
    # leaves the old list or the new one, never a list cut short.
    path = data_dir / TRUSTED_REVIEWERS_FILE
    temporary = data_dir / f".{TRUSTED_REVIEWERS_FILE}.{secrets.token_hex(8)}.tmp"
    text = "".join(reviewer.line() + "\n" for reviewer in reviewers)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        fsync_directory(data_dir)
    except OSError as error:
        raise TrustedReviewersError(f"cannot write {path}: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
