"""Unpadded URL-safe base64, the spelling of every token intake puts in a cookie or a field."""

from __future__ import annotations

import base64


def b64(data: bytes) -> str:
    """`data` as unpadded URL-safe base64."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    """The bytes of unpadded URL-safe base64 `text`; ValueError (or binascii.Error) if it is not."""
    if not text or not text.isascii():
        raise ValueError("empty or non-ASCII")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
