"""The per-minute ceilings of courier attempts in one process: all couriers, and each name.

Every name presented is counted against its own ceiling, whether a courier has
it or not, so the answer to the n-th attempt of a minute is the same for a name
that exists and one that does not: the ceilings tell nobody which names exist.

The windows are kept in a bounded table, least recently used first out, keyed
by HMAC-SHA256 of the name under a key drawn when the process starts and never
stored: no name presented is held in memory in clear (whoever reads the
process's memory, key included, can still confirm a guessed name).

The table never forgets a window that still counts. Both ceilings are counted
under one lock at one time, and a name is counted only once the ceiling of all
couriers admitted it, so in any sliding minute at most `total` names are
counted. With room for `total` windows, the one that makes way for a new name
was last counted a minute ago or more, and so is empty: a flood of made-up
names cannot reset a courier's window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from intake.derivation_gate import AttemptCeiling
from intake.errors import CourierBusy

_KEY_BYTES = 32


class CourierCeilings:
    """At most `total` courier attempts a minute in all, and `per_courier` under each name."""

    def __init__(
        self, *, per_courier: int, total: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._per_courier = per_courier
        self._clock = clock
        self._all = AttemptCeiling(total, clock=clock)
        # Room for every name the ceiling of all couriers can admit in a minute (above).
        self._room = total
        self._each: OrderedDict[bytes, AttemptCeiling] = OrderedDict()
        self._key = secrets.token_bytes(_KEY_BYTES)
        self._lock = threading.Lock()

    def admit(self, name: str) -> float:
        """Count one attempt under `name` and return when; raise CourierBusy past either ceiling."""
        key = hmac.new(self._key, name.encode("utf-8"), hashlib.sha256).digest()
        with self._lock:
            if not self._all.admit():
                raise CourierBusy("too many courier attempts in the last minute")
            window = self._each.pop(key, None)
            if window is None:
                window = AttemptCeiling(self._per_courier, clock=self._clock)
                if len(self._each) >= self._room:
                    self._each.popitem(last=False)
            self._each[key] = window  # now the most recently used
            admitted = window.admission()
            if admitted is None:
                raise CourierBusy(f"too many attempts by courier {name} in the last minute")
            return admitted

    def refund(self, name: str, admitted: float) -> None:
        """Uncount the attempt under `name` counted at `admitted`, which authenticated: the
        courier's own fetch.

        Otherwise a courier's fetches would spend its name's ceiling, and whoever
        tries wrong tokens under a name could tell from an early 429 that a courier
        of that name fetched this minute. The ceiling of all couriers keeps the
        attempt: it bounds the names counted in a minute, and so keeps a live
        window in the table (above); it tells of some courier, never which.
        """
        key = hmac.new(self._key, name.encode("utf-8"), hashlib.sha256).digest()
        with self._lock:
            window = self._each.get(key)
            if window is not None:
                window.refund(admitted)

    def names_held(self) -> int:
        """How many names' windows are held now (for tests: the table stays bounded)."""
        with self._lock:
            return len(self._each)
