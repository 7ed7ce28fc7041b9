"""Delivery claims: the submissions a pickup bundle carries are its own until it is delivered.

A pickup claims the submissions it bundles under the pickup lock
(intake/pickup_lock.py), naming the delivery and until when the claim holds
(whole seconds of the epoch). Another pickup leaves a live claim's submissions
out, so a bundle still on its way to a courier is never bundled again by the
CLI or a second courier. Delivery marks picked up only the submissions still
claimed by it: one set aside by `haven intake skip` meanwhile lost its claim
and stays skipped. A delivery cut short releases its claim; one whose process
died simply stops renewing it, and once it runs out the submissions are free
again, so nothing is lost to a crash. The expiry is a time finer than the day,
so it lives only as long as the claim: delivery and release clear it.

A skip during a delivery leaves a mark of the claim it ended: the delivery id
with the expiry SET_ASIDE, a time long past, so any pickup may take it again.
The delivery then knows the submission was only set aside, and still counts as
its own; if another pickup took it since (`--again`, then a skip again), the
mark is gone and the delivery sees it lost.

Claims need the clocks of nodes sharing PostgreSQL to agree to well within
CLAIM_SECONDS, as staged leases do (intake/leases.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select, update

from intake.db import writing
from intake.models import PICKED_UP, Submission

# Long beyond any pause of a live download between two of its reads (each renews it),
# short enough that a killed process holds nothing up for long.
CLAIM_SECONDS = 15 * 60
_ID_BYTES = 16
# The expiry of a claim a skip ended (above): never a time a live claim runs to.
SET_ASIDE = 0


def new_delivery() -> str:
    """A random id for one delivery: it says nothing of when or by whom."""
    return secrets.token_hex(_ID_BYTES)


def unclaimed(now: int) -> ColumnElement[bool]:
    """Submissions no live delivery holds: never claimed, released, or claimed and run out."""
    return or_(Submission.delivery.is_(None), Submission.delivery_expires <= now)


def claim(
    connection: Connection,
    delivery: str,
    *where: ColumnElement[bool],
    now: int,
    outlives_lock: bool,
) -> None:
    """Claim for `delivery` every unclaimed submission matching `where` (under the pickup lock).

    A claim that `outlives_lock` (a courier's download, delivered after the lock is
    let go) holds for CLAIM_SECONDS. One that does not (a pickup that writes and
    marks its bundle under the lock) runs out at once: while the lock is held no
    other pickup looks, and if its process is killed before it marks them, the
    next pickup takes them at once rather than CLAIM_SECONDS later.
    """
    expires = now + CLAIM_SECONDS if outlives_lock else now
    connection.execute(
        update(Submission)
        .where(*where, unclaimed(now))
        .values(delivery=delivery, delivery_expires=expires)
    )


def holds(delivery: str) -> ColumnElement[bool]:
    """Submissions `delivery` claims and still holds (not set aside by a skip)."""
    return and_(Submission.delivery == delivery, Submission.delivery_expires != SET_ASIDE)


def _not_its_own(delivery: str) -> ColumnElement[bool]:
    """Submissions neither held by `delivery` nor set aside from it: another took them."""
    return or_(Submission.delivery.is_(None), Submission.delivery != delivery)


def renew(engine: Engine, delivery: str, *, now: int) -> None:
    """Push back the expiry of what `delivery` still holds: its download is alive."""
    with writing(engine) as connection:
        connection.execute(
            update(Submission).where(holds(delivery)).values(delivery_expires=now + CLAIM_SECONDS)
        )


def release(engine: Engine, delivery: str) -> None:
    """Give up what `delivery` holds: it was not delivered, and the next pickup takes it."""
    with writing(engine) as connection:
        connection.execute(
            update(Submission)
            .where(Submission.delivery == delivery)
            .values(delivery=None, delivery_expires=None)
        )


def lost(engine: Engine, delivery: str, ids: Sequence[str]) -> list[str]:
    """Which of `ids` another pickup took since: claimed by another, or picked up without it.

    Those this delivery still holds, and those set aside from it by a skip, are
    not lost. Meaningful under the pickup lock, where no pickup can take one in between.
    """
    with engine.connect() as connection:
        return _lost(connection, delivery, ids)


def _lost(connection: Connection, delivery: str, ids: Sequence[str]) -> list[str]:
    rows = connection.execute(
        select(Submission.id).where(Submission.id.in_(list(ids)), _not_its_own(delivery))
    ).all()
    return sorted(row.id for row in rows)


def mark_delivered(engine: Engine, delivery: str, *, today: date) -> int:
    """Mark picked up every submission `delivery` still holds, and end its claim; say how many."""
    with writing(engine) as connection:
        return _mark(connection, delivery, today=today)


def mark_all_delivered(engine: Engine, delivery: str, ids: Sequence[str], *, today: date) -> bool:
    """Mark picked up what `delivery` holds if no other pickup took any of `ids`; else nothing.

    For a bundle that is withdrawn unless every submission in it is still its own
    (held, or set aside by a skip): marking some would leave those picked up with
    no bundle carrying them.
    """
    with writing(engine) as connection:
        # The bundle's rows are locked first (PostgreSQL; SQLite's writer lock already
        # holds the whole database): a skip committing between the count and the mark
        # would otherwise make the mark look short and withdraw a sound bundle.
        connection.execute(
            select(Submission.id).where(Submission.id.in_(list(ids))).with_for_update()
        )
        held = connection.scalar(
            select(func.count()).select_from(Submission).where(holds(delivery))
        )
        if (
            not _lost(connection, delivery, ids)
            and _mark(connection, delivery, today=today) == held
        ):
            return True
        connection.rollback()
    return False


def _mark(connection: Connection, delivery: str, *, today: date) -> int:
    # A submission sent again counts as picked up from today: its retention restarts,
    # so it is still on intake if this bundle fails to import as well. Its urgency is
    # forgotten: review reads it from the encrypted document, and a seized server
    # should say it only of what is still waiting.
    marked = connection.execute(
        update(Submission)
        .where(holds(delivery))
        .values(
            state=PICKED_UP,
            picked_up_day=today,
            urgent=False,
            delivery=None,
            delivery_expires=None,
        )
    ).rowcount
    # Those set aside from it stay skipped; the mark of their claim is no longer needed.
    connection.execute(
        update(Submission)
        .where(Submission.delivery == delivery)
        .values(delivery=None, delivery_expires=None)
    )
    return int(marked)
