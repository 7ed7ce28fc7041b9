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
  beside this browser session's cookie (intake/seal_binding.py), and only
  while the capability lives (CAPABILITY_SECONDS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from intake.capability import CAPABILITY_SECONDS
from intake.errors import SealRefused
from intake.timed_seal import TimedSealer, sealing_key
from keys.errors import Bech32Error, IdentityError
from keys.hybrid import HybridIdentity

_KEY_LABEL = b"haven-intake opened case seal v1"
_PREFIX = "k1"
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
    return sealing_key(secret_key, _KEY_LABEL)


class OpenedCaseSealer:
    """Seals and opens tickets with one key; the clock is a seam for tests."""

    def __init__(self, *, key: bytes, now: Callable[[], float] = time.time) -> None:
        self._sealer = TimedSealer(key=key, prefix=_PREFIX, lifetime_seconds=CAPABILITY_SECONDS,
                                   max_chars=_MAX_SEALED_CHARS, what="case",
                                   now=now)  # fmt: skip

    def seal(self, ticket: OpenedCaseTicket, *, binding: bytes) -> str:
        """`ticket` sealed for the session `binding` names, openable for
        CAPABILITY_SECONDS from now, as its capability."""
        contents = f"{ticket.capability}{_SEPARATOR}{ticket.reply_identity}"
        return self._sealer.seal(contents.encode("ascii"), binding=binding)

    def open(self, token: str, *, binding: bytes | None) -> OpenedCaseTicket:
        """The ticket sealed in `token` for the session `binding` names, or raise SealRefused."""
        contents = self._sealer.open(token, binding=binding).decode("ascii")
        capability, _, identity = contents.partition(_SEPARATOR)
        try:
            # Authenticated above: only this instance sealed it, so this cannot fail
            # short of a changed key format, which must not read as a valid case.
            reply_identity = HybridIdentity.parse(identity)
        except (Bech32Error, IdentityError):
            raise SealRefused("sealed case holds no identity") from None
        return OpenedCaseTicket(capability=capability, reply_identity=reply_identity)
