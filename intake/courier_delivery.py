"""One pickup bundle on its way to a courier: its submissions are claimed until it is sent.

The bundle was written with its submissions claimed for this delivery
(intake/delivery_claims.py), so no other pickup bundles them meanwhile. The
claim is renewed while bytes flow. Before the last bytes go, under the pickup
lock, the delivery checks that no other pickup took any of them (possible only
if a pause outlived the claim) and marks picked up those it still holds; if one
was taken, the last bytes are never sent, so no courier holds a whole bundle
whose submissions are in another. A download cut short before then releases
the claim, and the next fetch brings the same submissions; a process that dies
leaves a claim that runs out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from sqlalchemy import Engine

from intake.courier_audit import INTERRUPTED, PICKUP, record_use
from intake.delivery_claims import CLAIM_SECONDS, lost, mark_delivered, release, renew
from intake.pickup_lock import one_pickup_at_a_time

READ_SIZE = 1 << 20
# A write a minute at most, however fast the bytes flow; far within CLAIM_SECONDS.
_RENEW_SECONDS = min(60, CLAIM_SECONDS // 4)


@dataclass
class CourierDelivery:
    """One bundle on its way to a courier: picked up only once its last bytes go."""

    engine: Engine
    courier: str
    today: date
    delivery: str
    bundle_id: str
    ids: list[str]
    detail: str
    clock: Callable[[], float] = time.time
    _renewed: float = field(init=False, default=0.0)
    _started: bool = field(init=False, default=False)

    def send(self, stream: BinaryIO) -> Iterator[bytes]:
        """The bundle's bytes; the last ones only once its submissions are marked picked up."""
        self._started = True
        self._renewed = self.clock()
        marked = False
        try:
            with stream:
                data = stream.read(READ_SIZE)
                while data:
                    following = stream.read(READ_SIZE)
                    if following:
                        self._keep_claim()
                    elif not self._complete():
                        return  # fewer bytes than Content-Length: the courier keeps nothing
                    else:
                        marked = True
                    yield data
                    data = following
        except BaseException:
            # A download cut short (Tor circuits drop) closes this generator early.
            if marked:
                detail = (
                    f"bundle {self.bundle_id}: cut short in its last bytes, after its "
                    f"submissions were marked picked up; send them again: {' '.join(self.ids)}"
                )
            else:
                release(self.engine, self.delivery)
                detail = f"bundle {self.bundle_id}: not sent whole; nothing marked picked up"
            self._record(INTERRUPTED, detail)
            raise

    def closed(self, stream: BinaryIO) -> None:
        """The response was closed: if not one byte was asked for, release the claim.

        A generator closed before it started runs none of its code, so send()
        can neither close `stream` nor release the claim; a started one has.
        """
        if not self._started:
            stream.close()
            release(self.engine, self.delivery)
            self._record(INTERRUPTED, f"bundle {self.bundle_id}: not sent; nothing marked")

    def _keep_claim(self) -> None:
        now = self.clock()
        if now - self._renewed >= _RENEW_SECONDS:
            renew(self.engine, self.delivery, now=int(now))
            self._renewed = now

    def _complete(self) -> bool:
        # Under the pickup lock no other pickup claims anything between the check and
        # the mark; a skip meanwhile only takes its submission out of the mark.
        marked = 0
        with one_pickup_at_a_time(self.engine):
            taken = lost(self.engine, self.delivery, self.ids)
            if not taken:
                marked = mark_delivered(self.engine, self.delivery, today=self.today)
        if taken:
            release(self.engine, self.delivery)
            self._record(
                INTERRUPTED,
                f"bundle {self.bundle_id}: not sent whole, {' '.join(taken)} went in another "
                "bundle meanwhile (this download paused past its claim); nothing marked",
            )
            return False
        detail = self.detail
        if marked != len(self.ids):
            # Set aside by `haven intake skip` meanwhile: sent, yet left skipped.
            detail += f"; {len(self.ids) - marked} of them skipped meanwhile, left skipped"
        self._record(PICKUP, detail)
        return True

    def _record(self, action: str, detail: str) -> None:
        record_use(self.engine, courier=self.courier, day=self.today, action=action, detail=detail)
