"""Test reviewers: a name, an identity, and its passphrase-protected identity file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keys
from review.session.unlock import MIN_WORK_FACTOR

# scrypt work factor 2**10 instead of the default 2**18: identity files still
# go through the real passphrase path, at a cost tests can pay hundreds of times.
CHEAP_WORK_FACTOR = 10
PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class Reviewer:
    """A test reviewer: a name, an identity, and its passphrase-protected identity file."""

    name: str
    identity: keys.X25519Identity | keys.HybridIdentity
    identity_file: Path

    @property
    def recipient(self) -> keys.Recipient:
        """The reviewer's public key."""
        return self.identity.recipient()


def command_line_identity(reviewer: Reviewer, directory: Path) -> tuple[Path, Path]:
    """The reviewer's identity file at the work factor the command line demands, and a
    passphrase file: the CLI has no test-only way to accept a cheaper file."""
    identity_file = directory / f"{reviewer.name}.cli.identity.age"
    keys.write_identity_file(identity_file, [reviewer.identity], passphrase=PASSPHRASE,
                             work_factor=MIN_WORK_FACTOR)
    passphrase_file = directory / f"{reviewer.name}.passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return identity_file, passphrase_file
