"""The fixed key crafted files are sealed to, and the check that one fails as it should."""

from __future__ import annotations

import pytest

import keys

SECRET = bytes(range(32))
IDENTITY = keys.X25519Identity(SECRET)


def assert_fails(data: bytes, error: type[keys.AgeError]) -> None:
    """Decrypting `data` with IDENTITY raises exactly `error`."""
    with pytest.raises(keys.AgeError) as failure:
        keys.decrypt(data, identities=[IDENTITY])
    # Exactly this class: a parse error must not surface as a MAC or key mismatch.
    assert failure.type is error, failure.value
