"""The receipt code sealed for the receipt page's own language buttons.

The receipt page offers the other languages as buttons of a POSTed form, so
that changing language shows the same code again instead of an empty form. The
form must therefore carry the code. It carries it sealed: AES-256-GCM under a
key derived from the instance's secret key, with an expiry inside. So

- nothing is stored on the server, and every worker sharing the data
  directory's secret key can open it;
- the code never travels in a URL or a cookie, only in the POSTed form of a
  no-store page with autocomplete="off" (which Chromium neither caches nor
  saves the fields of, in its history entries or its session restore files);
- if a browser kept the field anyway, what it kept is ciphertext that opens for
  nobody but this instance, and for it only until SEAL_SECONDS have passed.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.errors import SealRefused

# Long enough to read the page and look for a pen; short enough that a sealed copy
# left somewhere is soon worthless even to someone holding the server's key.
SEAL_SECONDS = 60 * 60
# Domain separation: the secret key also signs sessions and capabilities.
_KEY_LABEL = b"haven-intake receipt seal v1"
_PREFIX = "r1"
_NONCE_BYTES = 12
# A receipt code is a few dozen ASCII characters; anything much longer is not ours.
_MAX_SEALED_CHARS = 400


def seal_key(secret_key: bytes) -> bytes:
    """The sealing key, derived from the instance's secret key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_LABEL)
    return hkdf.derive(secret_key)


class ReceiptSealer:
    """Seals and opens receipt codes with one key; the clock is a seam for tests."""

    def __init__(self, *, key: bytes, now: Callable[[], float] = time.time) -> None:
        self._aead = AESGCM(key)
        self._now = now

    def seal(self, code: str) -> str:
        """`code` sealed, openable for SEAL_SECONDS from now."""
        nonce = os.urandom(_NONCE_BYTES)
        expires = int(self._now()) + SEAL_SECONDS
        plaintext = struct.pack(">Q", expires) + code.encode("utf-8")
        sealed = self._aead.encrypt(nonce, plaintext, _PREFIX.encode())
        return f"{_PREFIX}.{_b64(nonce + sealed)}"

    def open(self, token: str) -> str:
        """The code sealed in `token`, or raise SealRefused."""
        prefix, _, encoded = token.partition(".")
        if prefix != _PREFIX or len(token) > _MAX_SEALED_CHARS:
            raise SealRefused("not a sealed receipt")
        try:
            raw = _unb64(encoded)
            plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], prefix.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise SealRefused("sealed receipt not made by this instance") from None
        (expires,) = struct.unpack(">Q", plaintext[:8])
        if self._now() >= expires:
            raise SealRefused("sealed receipt expired")
        return plaintext[8:].decode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("empty or non-ASCII")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
