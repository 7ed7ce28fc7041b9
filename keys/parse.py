"""Turning recipient and identity strings into objects, whatever their kind."""

from __future__ import annotations

from keys import bech32
from keys.errors import Bech32Error, IdentityError, RecipientError
from keys.hybrid import HybridIdentity, HybridRecipient
from keys.recipient import Identity, Recipient
from keys.x25519 import X25519Identity, X25519Recipient

_RECIPIENT_KINDS: dict[str, type[X25519Recipient] | type[HybridRecipient]] = {
    "age": X25519Recipient,
    "age1pq": HybridRecipient,
}
_IDENTITY_KINDS: dict[str, type[X25519Identity] | type[HybridIdentity]] = {
    "AGE-SECRET-KEY-": X25519Identity,
    "AGE-SECRET-KEY-PQ-": HybridIdentity,
}


def parse_recipient(text: str) -> Recipient:
    """Parse an `age1...` or `age1pq1...` recipient."""
    text = text.strip()
    try:
        hrp, data = bech32.decode(text)
    except Bech32Error as err:
        raise RecipientError(f"invalid recipient: {err}") from None
    kind = _RECIPIENT_KINDS.get(hrp)
    if kind is None:
        raise RecipientError("unknown recipient type (expected age1... or age1pq1...)")
    return kind(data)


def parse_identity(text: str) -> Identity:
    """Parse an `AGE-SECRET-KEY-1...` or `AGE-SECRET-KEY-PQ-1...` identity."""
    text = text.strip()
    try:
        hrp, data = bech32.decode(text)
    except Bech32Error as err:
        # The message names the rule only: the text is secret key material.
        raise IdentityError(f"invalid identity: {err}") from None
    kind = _IDENTITY_KINDS.get(hrp)
    if kind is None:
        raise IdentityError("unknown identity type (expected AGE-SECRET-KEY-...)")
    return kind(data)
