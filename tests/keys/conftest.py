"""Fixtures for the keys/ suite: one key of each kind, and cheap passphrases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import keys
from tests.keys.passphrases import FAST_WORK_FACTOR, PASSPHRASE


@pytest.fixture(scope="session")
def x25519_identity() -> keys.X25519Identity:
    """One classic identity for the session: generating is cheap, but sharing keeps ids short."""
    return keys.X25519Identity.generate()


@pytest.fixture(scope="session")
def hybrid_identity() -> keys.HybridIdentity:
    """One post-quantum identity for the session (ML-KEM key expansion is the slow part)."""
    return keys.HybridIdentity.generate()


@pytest.fixture
def scrypt_recipient() -> Callable[[str], keys.ScryptRecipient]:
    """Passphrase recipients at the fast test work factor."""

    def make(passphrase: str = PASSPHRASE) -> keys.ScryptRecipient:
        return keys.ScryptRecipient(passphrase, work_factor=FAST_WORK_FACTOR)

    return make


@pytest.fixture
def kinds(
    x25519_identity: keys.X25519Identity,
    hybrid_identity: keys.HybridIdentity,
    scrypt_recipient: Callable[[str], keys.ScryptRecipient],
) -> dict[str, tuple[keys.Recipient, keys.Identity]]:
    """A (recipient, identity) pair for each kind of recipient age knows."""
    return {
        "x25519": (x25519_identity.recipient(), x25519_identity),
        "hybrid": (hybrid_identity.recipient(), hybrid_identity),
        "scrypt": (scrypt_recipient(PASSPHRASE), keys.ScryptIdentity(PASSPHRASE)),
    }
