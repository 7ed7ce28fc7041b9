"""Short-lived values sealed by this instance, to cross a redirect or a page in the browser.

AES-256-GCM under a key derived (HKDF-SHA256) from the instance's secret key with
a label of its own, an expiry inside the ciphertext, and as associated data the
kind's prefix and the binding of the browser session it was sealed for
(intake/seal_binding.py). So nothing is stored on the server, every worker
sharing the data directory's secret key opens it, and what a browser might keep
is ciphertext that opens for nobody but this instance, beside that session's
cookie, and only until the expiry. The receipt code (intake/receipt_seal.py)
and the opened case of a check back (intake/checkback_seal.py) are sealed this
way.
"""

from __future__ import annotations

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
from intake.url_base64 import b64, unb64

_NONCE_BYTES = 12


def sealing_key(secret_key: bytes, label: bytes) -> bytes:
    """The key of one kind of seal: domain-separated, since the secret key also signs
    sessions and capabilities."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label)
    return hkdf.derive(secret_key)


class TimedSealer:
    """Seals and opens one kind of value with one key; the clock is a seam for tests."""

    def __init__(
        self, *, key: bytes, prefix: str, lifetime_seconds: int, max_chars: int,
        what: str, now: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self._aead = AESGCM(key)
        self._prefix = prefix
        self._lifetime = lifetime_seconds
        self._max_chars = max_chars
        self._what = what
        self._now = now

    def seal(self, value: bytes, *, binding: bytes, expires: int | None = None) -> str:
        """`value` sealed for the session `binding` names, openable for the lifetime
        from now, or until `expires` (a value opened from a seal and sealed again
        keeps the time it had: a copy never lives longer than the first seal did)."""
        nonce = os.urandom(_NONCE_BYTES)
        longest = int(self._now()) + self._lifetime
        expires = longest if expires is None else min(expires, longest)
        sealed = self._aead.encrypt(nonce, struct.pack(">Q", expires) + value,
                                    self._associated(binding))  # fmt: skip
        return f"{self._prefix}.{b64(nonce + sealed)}"

    def open(self, token: str, *, binding: bytes | None) -> bytes:
        """The value sealed in `token` for the session `binding` names, or raise SealRefused."""
        return self.open_with_expiry(token, binding=binding)[0]

    def open_with_expiry(self, token: str, *, binding: bytes | None) -> tuple[bytes, int]:
        """The value sealed in `token` for the session `binding` names (None: a session
        with none, where nothing opens) and the time it expires at, or raise SealRefused."""
        prefix, _, encoded = token.partition(".")
        if prefix != self._prefix or len(token) > self._max_chars:
            raise SealRefused(f"not a sealed {self._what}")
        if binding is None:
            raise SealRefused(f"sealed {self._what} opened in a session that sealed nothing")
        try:
            raw = unb64(encoded)
            plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                           self._associated(binding))  # fmt: skip
        except (binascii.Error, ValueError, InvalidTag):
            raise SealRefused(
                f"sealed {self._what} not made by this instance for this session"
            ) from None
        (expires,) = struct.unpack(">Q", plaintext[:8])
        if self._now() >= expires:
            raise SealRefused(f"sealed {self._what} expired")
        return plaintext[8:], expires

    def _associated(self, binding: bytes) -> bytes:
        # The prefix never holds a NUL, so prefix and binding cannot run into each other.
        return self._prefix.encode("ascii") + b"\0" + binding
