"""What ties a sealed receipt or opened case to the browser session it was sealed for.

A seal (intake/timed_seal.py) crosses a redirect in a cookie limited to one
page, and the receipt page's language buttons carry it in a field. A copy of
either, kept by a browser's cache or session restore, an extension, or
someone who photographs the developer tools, would otherwise open the code or
the case's replies in any browser until the seal expires. So every seal is
bound, as AES-GCM associated data, to a random value kept in this browser's
session cookie (signed by Flask, HttpOnly, SameSite=Strict, no expiry): the
seal opens only beside that cookie. Closing the browser drops the session
cookie, and the quick exit forgets the session (intake/one_time.py), so every
seal it still holds opens nothing from then on, even inside its hour.

The value is not secret from whoever holds the session cookie; it only makes
the seal worthless without it.
"""

from __future__ import annotations

import os

from flask import session

from intake.url_base64 import b64

# The session key that holds the value; Flask signs the session, so it cannot be forged.
_SESSION_KEY = "seal_binding"
_BINDING_BYTES = 16


def binding_for_sealing() -> bytes:
    """This session's binding, made now if it has none (the session cookie then changes)."""
    value = session.get(_SESSION_KEY)
    if not _well_formed(value):
        value = b64(os.urandom(_BINDING_BYTES))
        session[_SESSION_KEY] = value
    return str(value).encode("ascii")


def binding_for_opening() -> bytes | None:
    """This session's binding, or None when it has none (no seal can open then)."""
    value = session.get(_SESSION_KEY)
    return str(value).encode("ascii") if _well_formed(value) else None


def _well_formed(value: object) -> bool:
    # 16 random bytes are 22 characters of unpadded base64.
    return isinstance(value, str) and len(value) == 22 and value.isascii()
