"""Unlocking a reviewer: an encrypted identity file, its passphrase, and a slowed-down retry.

The passphrase and the identities are held only in local variables and the
session's memory; nothing here logs or stores them. Failures all raise the
same UnlockError, so the form tells an attacker nothing about which part was
wrong, and each failure costs more time than the last.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keys
from review.errors import UnlockError
from review.models import Reviewer

# An identity file holds a few lines; anything larger is not one.
MAX_IDENTITY_FILE_BYTES = 64 * 1024
FAILURE_DELAY_SECONDS = 1.0
MAX_FAILURE_DELAY_SECONDS = 30.0
_GENERIC = "the identity file or passphrase is wrong, or the key is not a reviewer here"


@dataclass(frozen=True)
class Unlocked:
    """A reviewer whose identities opened."""

    reviewer: str
    identities: tuple[keys.Identity, ...]


def open_identities(data: bytes, *, passphrase: str) -> list[keys.Identity]:
    """The identities in a passphrase-encrypted identity file's bytes."""
    if len(data) > MAX_IDENTITY_FILE_BYTES or not keys.is_age_file(data):
        # A plain identity file on a laptop that can be lost is refused outright.
        raise UnlockError(_GENERIC)
    try:
        plain = keys.decrypt(data, identities=[keys.ScryptIdentity(passphrase)])
        return keys.parse_identities(plain.decode("utf-8"), source="identity file")
    except (keys.AgeError, UnicodeDecodeError):
        raise UnlockError(_GENERIC) from None


def match_reviewer(
    identities: Sequence[keys.Identity], reviewers: Sequence[Reviewer]
) -> Unlocked:
    """The workspace reviewer whose recipient belongs to one of `identities`."""
    by_recipient = {r.recipient: r.name for r in reviewers}
    for identity in identities:
        if not isinstance(identity, keys.X25519Identity | keys.HybridIdentity):
            continue
        name = by_recipient.get(str(identity.recipient()))
        if name is not None:
            return Unlocked(reviewer=name, identities=tuple(identities))
    raise UnlockError(_GENERIC)


class Throttle:
    """Delays each failed attempt, doubling up to a cap; a success resets it."""

    def __init__(
        self,
        *,
        base: float = FAILURE_DELAY_SECONDS,
        cap: float = MAX_FAILURE_DELAY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base
        self._cap = cap
        self._sleep = sleep
        self._failures = 0
        self._lock = threading.Lock()

    def failed(self) -> float:
        """Record a failure and wait before answering; returns the delay served."""
        with self._lock:
            self._failures += 1
            # The exponent is capped so a long attack cannot overflow the float.
            doubling: float = 2.0 ** min(self._failures - 1, 32)
            delay = min(self._base * doubling, self._cap)
        self._sleep(delay)
        return delay

    def succeeded(self) -> None:
        """Forget past failures."""
        with self._lock:
            self._failures = 0
