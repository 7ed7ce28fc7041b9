"""Coarse time: intake records days, never instants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

# A seam so tests can pin "today" (a submission's day, retention, staging collection)
# without sleeping.
Today = Callable[[], date]


def utc_today() -> date:
    """Return the current UTC day: the finest time intake ever stores."""
    return datetime.now(UTC).date()
