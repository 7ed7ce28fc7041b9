"""Checking the fields of an untrusted JSON manifest, with the error of the format at hand.

Pickup manifests and reply manifests spell their ids and days the same way
(contracts/fields.py); only the exception differs (BundleError, ReplyError), so
each reader binds one `FieldChecks` to its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import fields
from review.errors import ReviewError


@dataclass(frozen=True)
class FieldChecks:
    """Type and spelling checks that raise `error` naming the field `what`."""

    error: type[ReviewError]

    def mapping(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(f"{what} is not a JSON object")
        return value

    def json_list(self, value: Any, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(f"{what} is not a JSON list")
        return value

    def hex32(self, value: Any, what: str) -> str:
        if not isinstance(value, str) or not fields.ID.fullmatch(value):
            raise self.error(f"{what} is not 32 lower-case hex characters")
        return value

    def day(self, value: Any, what: str) -> str:
        # strptime, not date.fromisoformat: that also takes week dates ("2025-W11-5").
        try:
            if not isinstance(value, str) or not fields.DAY.fullmatch(value):
                raise ValueError
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise self.error(f"{what} is not a YYYY-MM-DD day") from None
        return value
