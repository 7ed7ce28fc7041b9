"""The check-back capability: "this browser entered the right code for case X a moment ago".

After a right receipt code, the page carries a short-lived token in hidden form
fields, so the reporter can add a follow-up, change consent or hide a reply
without typing the code again. It is an HMAC, under a key derived from the
instance's secret key, of an expiry time and the case's first submission id:

- nothing is stored: every intake node (and worker) sharing the data
  directory's secret key checks it alone, and no table links a token to anyone;
- it never travels in a URL, only in the POSTed form, on pages sent with
  no-store, and sealed in the results page's cookie (intake/checkback_seal.py);
- it cannot read replies (that needs the code, which derives the reply key);
- it is bound to the browser session that typed the code (intake/seal_binding.py:
  the session's check-back binding is MACed with it), so a copy of it alone
  works in no other browser;
- a stolen one, with that browser's session cookie, lets its holder, until it
  expires (CAPABILITY_SECONDS), add follow-ups to that case, change its consent
  and hide its replies from the reporter's view. Reviewers see every follow-up,
  and hiding deletes nothing.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import struct
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from contracts import fields
from intake.errors import CapabilityRefused
from intake.url_base64 import b64, unb64

CAPABILITY_SECONDS = 10 * 60
# Domain separation: the Flask secret key also signs sessions; this key does nothing else.
_KEY_LABEL = b"haven-intake check-back capability v1"
# c2: bound to a session (c1 capabilities, unbound, are refused).
_PREFIX = "c2"
_MAX_TOKEN_CHARS = 200


def capability_key(secret_key: bytes) -> bytes:
    """The capability MAC key, derived from the instance's secret key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_LABEL)
    return hkdf.derive(secret_key)


class CapabilityIssuer:
    """Issues and checks capabilities with one key; the clock is a seam for tests."""

    def __init__(self, *, key: bytes, now: Callable[[], float] = time.time) -> None:
        self._key = key
        self._now = now

    def issue(self, *, case_id: str, binding: bytes) -> str:
        """A capability for `case_id` in the session `binding` names, valid for
        CAPABILITY_SECONDS from now."""
        if not fields.ID.fullmatch(case_id):
            raise ValueError("a case id is 32 lower-case hex characters")
        expires = int(self._now()) + CAPABILITY_SECONDS
        payload = struct.pack(">Q", expires) + bytes.fromhex(case_id)
        return f"{_PREFIX}.{b64(payload)}.{b64(self._mac(payload, binding))}"

    def case_of(self, token: str, *, binding: bytes | None) -> str:
        """The case id `token` grants in the session `binding` names (None: a session
        given none), or raise CapabilityRefused (forged, altered, expired, elsewhere)."""
        if binding is None:
            raise CapabilityRefused("capability used in a session that was given none")
        if len(token) > _MAX_TOKEN_CHARS:
            raise CapabilityRefused("capability too long")
        prefix, _, rest = token.partition(".")
        encoded_payload, _, encoded_mac = rest.partition(".")
        if prefix != _PREFIX:
            raise CapabilityRefused("not a check-back capability")
        try:
            payload = unb64(encoded_payload)
            mac = unb64(encoded_mac)
        except (binascii.Error, ValueError):
            raise CapabilityRefused("malformed capability") from None
        # The MAC first, compared in constant time; nothing unauthenticated is used before.
        if len(payload) != 24 or not hmac.compare_digest(mac, self._mac(payload, binding)):
            raise CapabilityRefused("capability not made by this instance for this session")
        (expires,) = struct.unpack(">Q", payload[:8])
        if self._now() >= expires:
            raise CapabilityRefused("capability expired")
        return payload[8:].hex()

    def _mac(self, payload: bytes, binding: bytes) -> bytes:
        # The payload has a fixed length, so it and the binding cannot run into each other.
        return hmac.new(self._key, _PREFIX.encode() + payload + binding, hashlib.sha256).digest()
