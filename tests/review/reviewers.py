"""Test reviewers: a name, an identity, and its passphrase-protected identity file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keys

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
