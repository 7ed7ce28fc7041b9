"""Argon2 derivations, rationed per process: submissions first, each kind in arrival order.

Every receipt derivation costs Argon2id's memory (19 MiB) and a core for a
while. A submission derives one code; a check-back derives one per attempt,
and a script can send attempts as fast as the network allows. Intake stores no
IP address to slow one guesser down, so it rations instead:

- `slots` derivations run at once in a process. `haven intake serve` gives each
  worker its share of the cores (intake/serve.py, derivation_slots): more
  derivations at once than cores buy nothing but memory, and each one running
  beside another on the same core is slower for both;
- a freed slot goes to the submission that has waited longest, and to a
  check-back only when no submission waits, so a flood of check-backs delays a
  report by one derivation at most. Waiters are served in arrival order (a
  semaphore lets a newcomer take a freed slot before a waiter wakes, which left
  some submissions waiting many times the mean under load);
- check-backs (and couriers) hold at most `checkback_slots` at once: with two
  slots or more, fewer than all of them, so one is always left to reporters;
- past `checkbacks_per_minute` attempts in the last minute, a check-back is
  answered "busy, try again in a minute" before Argon2 runs at all;
- a submission waits for a slot at most `submission_wait_seconds`, then gets
  its form back with "busy, send again in a minute": an unbounded queue only
  turns a burst into timeouts.

Follow-ups derive nothing (their capability is an HMAC, intake/capability.py),
so receipts and check-backs are the only derivations there are.

The counter is per process and in memory only: it holds times, not who.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from intake.errors import CheckBackBusy, CourierBusy, DerivationsBusy, IntakeError
from keys.errors import DerivationMemoryUnavailable

WINDOW_SECONDS = 60.0
# How long a check-back waits for a free slot before it is told to come back.
CHECKBACK_WAIT_SECONDS = 10.0
# How long a submission waits: many derivations' worth at production cost, far
# beyond a normal queue, well within a patient reporter's wait.
SUBMISSION_WAIT_SECONDS = 30.0


def default_slots() -> int:
    """One derivation per core: what a process serving alone should run at once."""
    return max(1, os.cpu_count() or 1)


@dataclass
class _Waiter:
    """One thread waiting for a slot; `granted` is set, under the gate's lock, when it has one."""

    checkback: bool
    granted: bool = False
    woken: threading.Event = field(default_factory=threading.Event)


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
        if slots < 1:
            raise ValueError("a gate needs a slot")
        self.slots = slots
        # Half the slots, so a flood of check-backs leaves the other half to reporters;
        # a single slot is shared, submissions first.
        self.checkback_slots = max(1, slots // 2)
        self._lock = threading.Lock()
        self._free = slots
        self._checkbacks_held = 0
        self._submissions_waiting: deque[_Waiter] = deque()
        self._checkbacks_waiting: deque[_Waiter] = deque()
        self._ceiling = AttemptCeiling(checkbacks_per_minute, clock=clock)
        self._wait = checkback_wait_seconds
        self._submission_wait = submission_wait_seconds

    @contextmanager
    def for_submission(self) -> Iterator[None]:
        """Hold a slot for a submission's derivation; raise DerivationsBusy after a bounded wait."""
        if not self._acquire(checkback=False, timeout=self._submission_wait):
            raise DerivationsBusy("every derivation slot stayed taken")
        try:
            yield
        except DerivationMemoryUnavailable:
            # As busy as a full gate: the reporter is told to try again, answers kept.
            raise DerivationsBusy("no memory for a derivation") from None
        finally:
            self._release(checkback=False)

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

    def waiting(self) -> int:
        """How many threads wait for a slot now (for tests and probes)."""
        with self._lock:
            return len(self._submissions_waiting) + len(self._checkbacks_waiting)

    @contextmanager
    def _rationed(self, busy: type[IntakeError]) -> Iterator[None]:
        if not self._acquire(checkback=True, timeout=self._wait):
            raise busy("every slot a check-back may take is taken")
        try:
            yield
        except DerivationMemoryUnavailable:
            raise busy("no memory for a derivation") from None
        finally:
            self._release(checkback=True)

    def _acquire(self, *, checkback: bool, timeout: float) -> bool:
        waiter = _Waiter(checkback=checkback)
        with self._lock:
            # A newcomer enters at once only when nobody it must let go first waits.
            ahead = self._submissions_waiting or (checkback and self._checkbacks_waiting)
            if not ahead and self._may_take(checkback=checkback):
                self._take(waiter)
                return True
            (self._checkbacks_waiting if checkback else self._submissions_waiting).append(waiter)
        waiter.woken.wait(timeout)
        with self._lock:
            if waiter.granted:  # granted, perhaps just as the wait ran out
                return True
            (self._checkbacks_waiting if checkback else self._submissions_waiting).remove(waiter)
            # A check-back giving up may unblock nobody; a submission giving up may
            # let a check-back behind it in.
            self._hand_over()
            return False

    def _release(self, *, checkback: bool) -> None:
        with self._lock:
            self._free += 1
            if checkback:
                self._checkbacks_held -= 1
            self._hand_over()

    def _may_take(self, *, checkback: bool) -> bool:
        if self._free == 0:
            return False
        return not checkback or self._checkbacks_held < self.checkback_slots

    def _take(self, waiter: _Waiter) -> None:
        self._free -= 1
        if waiter.checkback:
            self._checkbacks_held += 1
        waiter.granted = True

    def _hand_over(self) -> None:
        """Give free slots to the longest-waiting submissions, then to check-backs."""
        while self._submissions_waiting and self._may_take(checkback=False):
            waiter = self._submissions_waiting.popleft()
            self._take(waiter)
            waiter.woken.set()
        while self._checkbacks_waiting and self._may_take(checkback=True):
            waiter = self._checkbacks_waiting.popleft()
            self._take(waiter)
            waiter.woken.set()


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
        return self.admission() is not None

    def admission(self) -> float | None:
        """Count one attempt and return when it was counted, or None past the ceiling."""
        with self._lock:
            now = self._clock()
            while self._times and self._times[0] <= now - WINDOW_SECONDS:
                self._times.popleft()
            if len(self._times) >= self._limit:
                return None
            self._times.append(now)
            return now

    def refund(self, admitted: float) -> None:
        """Uncount the admission counted at `admitted`: it was not an attempt the ceiling is for.

        That one, not the latest: another attempt may have been counted since, and
        uncounting it instead would let one more through within the minute.
        """
        with self._lock, contextlib.suppress(ValueError):  # already out of the window
            self._times.remove(admitted)
