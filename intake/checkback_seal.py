"""An opened case sealed across the redirect from the code's POST to the results page.

POST /check answers 303 (docs/intake.md, "Quick exit and what the browser
remembers"): a results page answering the POST would leave the receipt code in
the tab's history entry and the profile's session restore files. What the GET
needs crosses the redirect instead, and it is never the code: the capability
(intake/capability.py) and the reply identity Argon2id derived from the code,
which decrypts the case's replies and cannot be turned back into the code.
They are sealed with AES-256-GCM under a key derived from the instance's
secret key, with the capability's lifetime inside, so

- nothing is stored on the server, and every worker sharing the data
  directory's secret key can open it;
- it travels only in a cookie limited to the results page, HttpOnly,
  SameSite=Strict, without expiry (so never written to the cookie jar's file
  by a browser not restoring its last session), and dropped by the quick exit;
- a copy kept anyway is ciphertext that opens for nobody but this instance,
  and for it only while the capability lives (CAPABILITY_SECONDS).
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.capability import CAPABILITY_SECONDS
from intake.errors import SealRefused
from keys.errors import Bech32Error, IdentityError
from keys.hybrid import HybridIdentity

# Domain separation: the secret key also signs sessions, capabilities and receipt seals.
_KEY_LABEL = b"haven-intake opened case seal v1"
_PREFIX = "k1"
_NONCE_BYTES = 12
_SEPARATOR = "\n"
# A capability is under 200 characters and an identity under 100; the cookie stays small.
_MAX_SEALED_CHARS = 600


@dataclass(frozen=True)
class OpenedCaseTicket:
    """What the results page needs: the case's capability and the reply identity."""

    capability: str
    reply_identity: HybridIdentity


def case_seal_key(secret_key: bytes) -> bytes:
    """The sealing key, derived from the instance's secret key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_LABEL)
    return hkdf.derive(secret_key)


class OpenedCaseSealer:
    """Seals and opens tickets with one key; the clock is a seam for tests."""

    def __init__(self, *, key: bytes, now: Callable[[], float] = time.time) -> None:
        self._aead = AESGCM(key)
        self._now = now

    def seal(self, ticket: OpenedCaseTicket) -> str:
        """`ticket` sealed, openable for CAPABILITY_SECONDS from now, as its capability."""
        nonce = os.urandom(_NONCE_BYTES)
        expires = int(self._now()) + CAPABILITY_SECONDS
        contents = f"{ticket.capability}{_SEPARATOR}{ticket.reply_identity}"
        plaintext = struct.pack(">Q", expires) + contents.encode("ascii")
        sealed = self._aead.encrypt(nonce, plaintext, _PREFIX.encode())
        return f"{_PREFIX}.{_b64(nonce + sealed)}"

    def open(self, token: str) -> OpenedCaseTicket:
        """The ticket sealed in `token`, or raise SealRefused."""
        prefix, _, encoded = token.partition(".")
        if prefix != _PREFIX or len(token) > _MAX_SEALED_CHARS:
            raise SealRefused("not a sealed case")
        try:
            raw = _unb64(encoded)
            plaintext = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], prefix.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise SealRefused("sealed case not made by this instance") from None
        (expires,) = struct.unpack(">Q", plaintext[:8])
        if self._now() >= expires:
            raise SealRefused("sealed case expired")
        capability, _, identity = plaintext[8:].decode("ascii").partition(_SEPARATOR)
        try:
            # Authenticated above: only this instance sealed it, so this cannot fail
            # short of a changed key format, which must not read as a valid case.
            reply_identity = HybridIdentity.parse(identity)
        except (Bech32Error, IdentityError):
            raise SealRefused("sealed case holds no identity") from None
        return OpenedCaseTicket(capability=capability, reply_identity=reply_identity)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("empty or non-ASCII")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
