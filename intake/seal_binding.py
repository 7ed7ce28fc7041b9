"""What ties a sealed receipt or opened case to the browser session it was sealed for.

A seal (intake/timed_seal.py) crosses a redirect in a cookie limited to one
page, and the receipt page's language buttons carry it in a field; the
check-back capability (intake/capability.py) sits in the results page's
hidden fields. A copy of one of them, kept by a browser's cache, an extension
or a photo of the developer tools, would otherwise work in any browser until
it expires. So each is bound, as associated data, to a random value kept in
this browser's session (Flask's signed cookie, HttpOnly, SameSite=Strict, no
expiry, `__Host-` when served over HTTPS): it works only beside that cookie.

The POST that starts a flow (a report sent, a right code typed) draws a new
binding for it, never one the session already holds: a session cookie planted
in the reporter's browser beforehand (by someone who sent a report of their
own) would otherwise bind the reporter's seals to a value its planter knows.
What follows in the same flow (the receipt page sealing the code again, its
language buttons, the results page's forms) uses the binding it was opened
with. The receipt and the check-back each have their own, so checking back in
one tab does not stale a receipt page open in another.

What it does not do: the session cookie and the seal cookies sit in the same
cookie jar, so a copy of the whole jar (a profile's session restore, an
extension allowed to read cookies) opens them until they expire, as before.
The quick exit and closing the browser drop the session cookie from the jar,
after which this browser opens none of them (a browser restoring its last
session restores session cookies too). Flask's session is one cookie, and the
last response to set it wins: a request from another tab that read the
session before a report's redirect and answers after it would drop the
receipt's binding, and the receipt page would say the code is gone; and one
that answers after the quick exit sets the bindings again. The exit reaches
its own tab and the cookies of that moment, not a Haven page open in another.
"""

from __future__ import annotations

import os
from enum import Enum

from flask import session

from intake.url_base64 import b64

_BINDING_BYTES = 16
# 16 random bytes are 22 characters of unpadded base64.
_BINDING_CHARS = 22


class Flow(Enum):
    """A flow whose seals share one binding; its value is the session key that holds it."""

    RECEIPT = "receipt_binding"
    CHECK_BACK = "case_binding"


def start_binding(flow: Flow) -> bytes:
    """A new binding for `flow`, kept in the session (whose cookie then changes)."""
    value = b64(os.urandom(_BINDING_BYTES))
    session[flow.value] = value
    return value.encode("ascii")


def binding_of(flow: Flow) -> bytes | None:
    """The binding `flow` was started with in this session, or None (nothing opens then)."""
    value = session.get(flow.value)
    if isinstance(value, str) and len(value) == _BINDING_CHARS and value.isascii():
        return value.encode("ascii")
    return None
