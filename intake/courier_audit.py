"""The trail of courier use: which courier, which day, what was fetched or loaded.

Days only, and nothing of the client: no address, no user agent, no time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, insert, select

from intake.db import writing
from intake.models import CourierUse

PICKUP = "pickup"
REPLIES = "replies"
REFUSED = "refused"
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class CourierUseEntry:
    """One line of the trail."""

    courier: str
    day: date
    action: str
    detail: str

    def line(self) -> str:
        return f"{self.day.isoformat()} {self.courier} {self.action}: {self.detail}"


def record_use(engine: Engine, *, courier: str, day: date, action: str, detail: str) -> None:
    """Append one use to the trail."""
    with writing(engine) as connection:
        connection.execute(
            insert(CourierUse).values(courier=courier, day=day, action=action, detail=detail)
        )


def courier_uses(engine: Engine) -> list[CourierUseEntry]:
    """The whole trail, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(CourierUse.courier, CourierUse.day, CourierUse.action, CourierUse.detail)
            .order_by(CourierUse.row)
        ).all()
    return [CourierUseEntry(row.courier, row.day, row.action, row.detail) for row in rows]
