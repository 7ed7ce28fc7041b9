"""Argon2 derivations, rationed per process: submissions wait a bounded time, floods get a 429.

Every receipt derivation costs Argon2id's memory and a core for a while. A
submission derives one code; a check-back derives one per attempt, and a
script can send attempts as fast as the network allows. Intake stores no IP
address to slow one guesser down, so it rations instead:

- a semaphore of `slots` (one per core) covers every derivation;
- check-backs may hold at most `checkback_slots` of them (fewer than `slots`),
  so at least one slot is always left for a reporter submitting;
- past `checkbacks_per_minute` attempts in the last minute, a check-back is
  answered "busy, try again in a minute" before Argon2 runs at all;
- a submission waits for a slot at most `submission_wait_seconds`, then gets
  its form back with "busy, send again in a minute": more derivations at once
  than cores would buy nothing but Argon2's memory (19 MiB each), and an
  unbounded queue only turns a burst into timeouts.

Follow-ups derive nothing (their capability is an HMAC, intake/capability.py),
so receipts and check-backs are the only derivations there are.

The counter is per process and in memory only: it holds times, not who.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from intake.errors import CheckBackBusy, CourierBusy, DerivationsBusy, IntakeError
from keys.errors import DerivationMemoryUnavailable

WINDOW_SECONDS = 60.0
# How long a check-back waits for a free slot before it is told to come back.
CHECKBACK_WAIT_SECONDS = 10.0
# How long a submission waits: a few derivations' worth at production cost, far
# beyond a normal queue, well within a patient reporter's wait.
SUBMISSION_WAIT_SECONDS = 30.0


def default_slots() -> int:
    """One derivation per core, and never fewer than two (one is kept for submissions)."""
    return max(2, os.cpu_count() or 1)


class DerivationGate:
    """Rations Argon2 derivations between submissions and check-backs in one process."""

    def __init__(
        self,
        *,
        slots: int,
        checkbacks_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        checkback_wait_seconds: float = CHECKBACK_WAIT_SECONDS,
        submission_wait_seconds: float = SUBMISSION_WAIT_SECONDS,
    ) -> None:
        if slots < 2:
            raise ValueError("a gate needs two slots: one is always kept for submissions")
        self.slots = slots
        # Half the slots, so a flood of check-backs leaves the other half to reporters.
        self.checkback_slots = max(1, slots // 2)
        self._all = threading.BoundedSemaphore(slots)
        self._checkbacks = threading.BoundedSemaphore(self.checkback_slots)
        self._ceiling = AttemptCeiling(checkbacks_per_minute, clock=clock)
        self._wait = checkback_wait_seconds
        self._submission_wait = submission_wait_seconds

    @contextmanager
    def for_submission(self) -> Iterator[None]:
        """Hold a slot for a submission's derivation; raise DerivationsBusy after a bounded wait."""
        if not self._all.acquire(timeout=self._submission_wait):
            raise DerivationsBusy("every derivation slot stayed taken")
        try:
            yield
        except DerivationMemoryUnavailable:
            # As busy as a full gate: the reporter is told to try again, answers kept.
            raise DerivationsBusy("no memory for a derivation") from None
        finally:
            self._all.release()

    @contextmanager
    def for_check_back(self) -> Iterator[None]:
        """Hold a slot for a check-back's derivation, or raise CheckBackBusy."""
        if not self._ceiling.admit():
            raise CheckBackBusy("too many check-backs in the last minute")
        with self._rationed(CheckBackBusy):
            yield

    @contextmanager
    def for_courier(self) -> Iterator[None]:
        """Hold a slot for a courier token's derivation, or raise CourierBusy.

        Couriers share the check-back slots, so they too leave submissions their own;
        their attempts are counted by the courier endpoint's own ceilings.
        """
        with self._rationed(CourierBusy):
            yield

    @contextmanager
    def _rationed(self, busy: type[IntakeError]) -> Iterator[None]:
        if not self._checkbacks.acquire(timeout=self._wait):
            raise busy("every check-back slot is taken")
        try:
            if not self._all.acquire(timeout=self._wait):
                raise busy("every derivation slot is taken")
            try:
                yield
            except DerivationMemoryUnavailable:
                raise busy("no memory for a derivation") from None
            finally:
                self._all.release()
        finally:
            self._checkbacks.release()


class AttemptCeiling:
    """At most `limit` admissions in any sliding minute; remembers only their times."""

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("the ceiling must admit at least one attempt a minute")
        self._limit = limit
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """Count one attempt and return True, or return False if the minute's ceiling is reached."""
        with self._lock:
            now = self._clock()
            while self._times and self._times[0] <= now - WINDOW_SECONDS:
                self._times.popleft()
            if len(self._times) >= self._limit:
                return False
            self._times.append(now)
            return True
