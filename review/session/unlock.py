"""Unlocking a reviewer: an encrypted identity file, its passphrase, and a throttle on retries.

The passphrase and the identities are held only in local variables and the
session's memory; nothing here logs or stores them. Failures all raise the
same UnlockError, so the form tells an attacker nothing about which part was
wrong. Each failure with one identity file makes the next try with that same
file wait longer; the wait is answered at once with 429 and Retry-After,
never slept in a server thread, so failures cannot tie up the app.
"""

from __future__ import annotations

import base64
import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import keys
from review.clock import Monotonic, monotonic
from review.errors import UnlockError
from review.workspace.models import Reviewer

# An identity file holds a few lines; anything larger is not one.
MAX_IDENTITY_FILE_BYTES = 64 * 1024
# scrypt work factor (log2 N) below which an identity file is refused: a lost
# laptop's identity file must not be cheap to brute-force. `haven keys` writes 18.
MIN_WORK_FACTOR = 16
FAILURE_DELAY_SECONDS = 1.0
MAX_FAILURE_DELAY_SECONDS = 30.0
# How many identity files the throttle remembers; past it, the one with the
# fewest failures (the longest ago among equals) is forgotten.
MAX_THROTTLED_FILES = 1024
# How long an attempt in progress holds its identity file against other
# attempts with it, should the request die without recording its outcome.
ATTEMPT_LEASE_SECONDS = 60.0
_GENERIC = "the identity file or passphrase is wrong, or the key is not a reviewer here"


@dataclass(frozen=True)
class Unlocked:
    """A reviewer and the one identity of theirs that matched."""

    reviewer: str
    identity: keys.Identity

    @property
    def identities(self) -> tuple[keys.Identity, ...]:
        """The identities to decrypt with: only the reviewer's own."""
        return (self.identity,)


def identity_file_id(data: bytes) -> str:
    """What the throttle counts failures by: the file's scrypt salt, else its SHA-256.

    The salt names the encrypted identity however the file is encoded (binary
    or armored), so re-encoding the same file does not reset its count.
    """
    try:
        salt = keys.read_scrypt_parameters(data).salt
    except keys.AgeError:
        return "sha256:" + hashlib.sha256(data).hexdigest()
    # Spelled as the header spells it (unpadded base64), so the audit log keeps
    # naming a file by the id it has always had.
    return "salt:" + base64.b64encode(salt).decode("ascii").rstrip("=")


def open_identities(
    data: bytes, *, passphrase: str, min_work_factor: int = MIN_WORK_FACTOR
) -> list[keys.Identity]:
    """The identities in a passphrase-encrypted identity file's bytes."""
    if len(data) > MAX_IDENTITY_FILE_BYTES or not keys.is_age_file(data):
        # A plain identity file on a laptop that can be lost is refused outright.
        raise UnlockError(_GENERIC)
    try:
        # Refused before scrypt runs, whatever the passphrase: a file this cheap
        # to guess at must not be used at all.
        if keys.read_scrypt_parameters(data).work_factor < min_work_factor:
            raise UnlockError(_GENERIC)
        plain = keys.decrypt(data, identities=[keys.ScryptIdentity(passphrase)])
        return keys.parse_identities(plain.decode("utf-8"), source="identity file")
    except (keys.AgeError, UnicodeDecodeError):
        raise UnlockError(_GENERIC) from None


def match_reviewer(
    identities: Sequence[keys.Identity], reviewers: Sequence[Reviewer]
) -> Unlocked:
    """The workspace reviewer whose recipient belongs to one of `identities`.

    Only that identity is kept: any other key in the same file (an old one,
    another project's) never enters the session's memory.
    """
    by_recipient = {r.recipient: r.name for r in reviewers}
    for identity in identities:
        name = by_recipient.get(str(identity.recipient()))
        if name is not None:
            return Unlocked(reviewer=name, identity=identity)
    raise UnlockError(_GENERIC)


class Throttle:
    """Per identity file: after each failure the next try must wait, doubling up to a cap.

    Counting per file means a passphrase guesser is slowed on the file they
    guess at, while another reviewer with their own file unlocks at once.
    `begin` checks the wait and reserves the file's one attempt in a single
    step under the lock, so the app's worker threads cannot each start an
    scrypt attempt with the same file within one wait.
    """

    def __init__(
        self,
        *,
        base: float = FAILURE_DELAY_SECONDS,
        cap: float = MAX_FAILURE_DELAY_SECONDS,
        clock: Monotonic = monotonic,
    ) -> None:
        self._base = base
        self._cap = cap
        self._clock = clock
        self._state: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Whole seconds before `key` may try again (0: now); reserves nothing."""
        with self._lock:
            return self._wait(key, self._clock())

    def begin(self, key: str) -> int:
        """Reserve an attempt with `key`: 0 if it may go ahead now, else the seconds to wait.

        The reservation ends with `failed` or `succeeded`; if neither comes (the
        request died), it lapses after ATTEMPT_LEASE_SECONDS.
        """
        with self._lock:
            now = self._clock()
            wait = self._wait(key, now)
            if wait:
                return wait
            self._state.setdefault(key, _Entry()).busy_until = now + ATTEMPT_LEASE_SECONDS
            self._evict(keep=key)
            return 0

    def failed(self, key: str) -> float:
        """Record a failure of `key` and end its attempt; returns the wait before the next."""
        with self._lock:
            now = self._clock()
            entry = self._state.setdefault(key, _Entry())
            entry.failures += 1
            # The exponent is capped so a long attack cannot overflow the float.
            delay = min(self._base * 2.0 ** min(entry.failures - 1, 32), self._cap)
            entry.until = now + delay
            entry.last_failure = now
            entry.busy_until = 0.0
            self._evict(keep=key)
        return delay

    def succeeded(self, key: str) -> None:
        """Forget the failures of `key` (and end its attempt)."""
        with self._lock:
            self._state.pop(key, None)

    def _wait(self, key: str, now: float) -> int:
        entry = self._state.get(key)
        if entry is None:
            return 0
        if entry.busy_until > now:
            # Another request is trying this very file right now.
            return max(1, math.ceil(entry.until - now))
        return max(0, math.ceil(entry.until - now))

    def _evict(self, *, keep: str) -> None:
        """Past MAX_THROTTLED_FILES, forget the file with the fewest failures, oldest first.

        Never by "wait ends first": a guessed-at file whose wait has just run out
        would go before a flood of junk files failed once each, and its count
        (so its wait) would start again at the base delay. An attempt in
        progress, and `keep` (the file just counted), are never forgotten.
        """
        if len(self._state) <= MAX_THROTTLED_FILES:
            return
        now = self._clock()
        idle = [k for k, e in self._state.items() if e.busy_until <= now and k != keep]
        if idle:
            victim = min(idle, key=lambda k: (self._state[k].failures,
                                              self._state[k].last_failure))
            del self._state[victim]


@dataclass
class _Entry:
    """What the throttle remembers of one identity file."""

    failures: int = 0
    # Monotonic time before which another try is refused.
    until: float = 0.0
    last_failure: float = 0.0
    # Monotonic time until which an attempt in progress holds the file.
    busy_until: float = 0.0
