"""Turning recipient and identity strings into objects, whatever their kind."""

from __future__ import annotations

import importlib
from typing import Any

from keys import bech32
from keys.errors import AgeError, Bech32Error, IdentityError, RecipientError
from keys.recipient import Identity, Recipient

# Human-readable part -> (module, class). The module is imported only when a
# key of its kind turns up: a classic recipient never loads the ML-KEM code.
_RECIPIENT_KINDS: dict[str, tuple[str, str]] = {
    "age": ("keys.x25519", "X25519Recipient"),
    "age1pq": ("keys.hybrid", "HybridRecipient"),
}
_IDENTITY_KINDS: dict[str, tuple[str, str]] = {
    "AGE-SECRET-KEY-": ("keys.x25519", "X25519Identity"),
    "AGE-SECRET-KEY-PQ-": ("keys.hybrid", "HybridIdentity"),
}


def _dispatch(
    text: str, kinds: dict[str, tuple[str, str]], *, error: type[AgeError], what: str
) -> Any:
    """Decode `text` and build the kind its human-readable part names."""
    try:
        hrp, data = bech32.decode(text.strip())
    except Bech32Error as err:
        # The message names the rule only: the text may be secret key material.
        raise error(f"invalid {what}: {err}") from None
    kind = kinds.get(hrp)
    if kind is None:
        raise error(f"unknown {what} type")
    module, name = kind
    return getattr(importlib.import_module(module), name)(data)


def parse_recipient(text: str) -> Recipient:
    """Parse an `age1...` or `age1pq1...` recipient."""
    recipient: Recipient = _dispatch(
        text, _RECIPIENT_KINDS, error=RecipientError, what="recipient (expected age1...)"
    )
    return recipient


def parse_identity(text: str) -> Identity:
    """Parse an `AGE-SECRET-KEY-1...` or `AGE-SECRET-KEY-PQ-1...` identity."""
    identity: Identity = _dispatch(
        text, _IDENTITY_KINDS, error=IdentityError, what="identity (expected AGE-SECRET-KEY-...)"
    )
    return identity
