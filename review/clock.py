"""The time seam: everything that reads the clock goes through here so tests can pin it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

# A monotonic clock for idle timeouts (immune to wall-clock changes) ...
Monotonic = Callable[[], float]
# ... and a wall clock for audit entries, which a reader must be able to date.
WallClock = Callable[[], datetime]


def monotonic() -> float:
    """Seconds from an arbitrary origin that never goes backwards."""
    return time.monotonic()


def utc_now() -> datetime:
    """The current time in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)
