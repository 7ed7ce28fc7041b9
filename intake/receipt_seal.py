"""The receipt code sealed, to cross the report's redirect and the receipt's language buttons.

The report's POST answers 303 to /receipt (POST/redirect/GET, intake/views.py),
so the code crosses the redirect in the `haven_receipt` cookie, limited to
/receipt and deleted by the page that shows it; the receipt page's language
buttons post it back in a field, so that changing language shows the same code
again instead of an empty form. Both carry it sealed (intake/timed_seal.py:
AES-256-GCM under a key derived from the instance's secret key, an hour's expiry
inside). So

- nothing is stored on the server, and every worker sharing the data
  directory's secret key can open it;
- the code is never in a URL or in the clear in a cookie or a field of a
  no-store page with autocomplete="off" (which Chromium neither caches nor
  saves the fields of, in its history entries or its session restore files);
- if a browser kept the cookie or the field anyway, what it kept is
  ciphertext that opens for nobody but this instance, beside this browser
  session's cookie (intake/seal_binding.py), and only until SEAL_SECONDS have
  passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from intake.timed_seal import TimedSealer, sealing_key

# Long enough to read the page and look for a pen; short enough that a sealed copy
# left somewhere is soon worthless even to someone holding the server's key.
SEAL_SECONDS = 60 * 60
_KEY_LABEL = b"haven-intake receipt seal v1"
_PREFIX = "r1"
# A receipt code is a few dozen ASCII characters; anything much longer is not ours.
_MAX_SEALED_CHARS = 400


def seal_key(secret_key: bytes) -> bytes:
    """The sealing key, derived from the instance's secret key."""
    return sealing_key(secret_key, _KEY_LABEL)


class ReceiptSealer:
    """Seals and opens receipt codes with one key; the clock is a seam for tests."""

    def __init__(self, *, key: bytes, now: Callable[[], float] = time.time) -> None:
        self._sealer = TimedSealer(key=key, prefix=_PREFIX, lifetime_seconds=SEAL_SECONDS,
                                   max_chars=_MAX_SEALED_CHARS, what="receipt",
                                   now=now)  # fmt: skip

    def seal(self, code: str, *, binding: bytes, expires: int | None = None) -> str:
        """`code` sealed for the session `binding` names, openable for SEAL_SECONDS from
        now, or until `expires` if sooner."""
        return self._sealer.seal(code.encode("utf-8"), binding=binding, expires=expires)

    def open(self, token: str, *, binding: bytes | None) -> str:
        """The code sealed in `token` for the session `binding` names, or raise SealRefused."""
        return self.open_with_expiry(token, binding=binding)[0]

    def open_with_expiry(self, token: str, *, binding: bytes | None) -> tuple[str, int]:
        """The code sealed in `token` for that session and when the seal expires, or
        raise SealRefused.

        The receipt page and its language buttons seal the code again with this
        expiry, so showing the page again never extends it: an hour after the
        report, every copy of the seal opens nothing."""
        value, expires = self._sealer.open_with_expiry(token, binding=binding)
        return value.decode("utf-8"), expires
