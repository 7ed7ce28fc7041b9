"""Leases on staged submissions: a live upload keeps its rows, a dead one's are collected soon.

A staged row carries `lease_expires` (whole seconds of the epoch, on staged rows
only; publication clears it). Each intake process renews the leases of the
uploads it is receiving from one background thread, in one short write
transaction every `renew_seconds`, and collects the staged rows whose lease ran
out. A process that dies stops renewing, so its leftovers are collected by the
next process to start or by any node's next round, whichever comes first.
Leases work the same on one SQLite file and on several nodes sharing
PostgreSQL, which cannot see each other's pids; they need the nodes' clocks to
agree to well within the lease (NTP does).

The thread is started lazily in the process that first holds a lease, so a
gunicorn master that forks workers never owns one a worker would lack.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, update

from intake.days import Today, utc_today
from intake.db import touch_database_files, writing
from intake.draft_store import collect_old_drafts
from intake.models import STAGED, Submission
from intake.staging import collect_expired

# A staged row outlives its process by at most this long (plus one round).
DEFAULT_LEASE_SECONDS = 60

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews the leases of this process's live uploads and collects expired ones."""

    def __init__(
        self,
        engine: Engine,
        *,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
        today: Today = utc_today,
        background: bool = True,
    ) -> None:
        if lease_seconds < 4:
            raise ValueError("a lease must last at least four seconds")
        self._engine = engine
        self.lease_seconds = lease_seconds
        # Four renewals a lease: one late round never lets a live lease run out.
        self.renew_seconds = lease_seconds / 4
        self._clock = clock
        self._today = today
        # Without the background thread, rounds run only when renew_and_collect() is
        # called (tests drive them one by one).
        self._background = background
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._stop = threading.Event()

    def expiry(self) -> int:
        """The expiry a lease taken or renewed now gets."""
        return int(self._clock()) + self.lease_seconds

    def now(self) -> int:
        """The instant leases are compared with."""
        return int(self._clock())

    def hold(self, submission_id: str) -> None:
        """Keep renewing the lease of `submission_id` until release()."""
        with self._lock:
            self._held.add(submission_id)
            self._ensure_thread()

    def release(self, submission_id: str) -> None:
        """Stop renewing: the submission was published or discarded."""
        with self._lock:
            self._held.discard(submission_id)

    def renew_and_collect(self) -> int:
        """One round: renew every held lease, collect expired staged rows; return how many.

        Drafts never read (intake/draft_store.py) are collected in the same round.
        """
        with self._lock:
            held = sorted(self._held)
        if held:
            with writing(self._engine) as connection:
                connection.execute(
                    update(Submission)
                    .where(Submission.id.in_(held), Submission.state == STAGED)
                    .values(lease_expires=self.expiry())
                )
        collected = collect_expired(self._engine, now=self.now())
        collect_old_drafts(self._engine, today=self._today())
        # Keeps the data directory's file times at the day's start (intake/db.py), and
        # keeps their change times telling only that intake was running.
        touch_database_files(self._engine)
        return collected

    def start(self) -> None:
        """Start renewing (and collecting) in this process now, not at the first upload."""
        with self._lock:
            self._ensure_thread()

    def stop(self) -> None:
        """Stop the background thread (tests and orderly shutdown)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join()

    def _ensure_thread(self) -> None:
        if not self._background:
            return
        # After a fork the parent's thread does not exist in the child.
        if self._thread is not None and self._thread_pid == os.getpid():
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="haven-leases", daemon=True
        )
        self._thread_pid = os.getpid()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.renew_seconds):
            try:
                self.renew_and_collect()
            except Exception:
                # A database that is briefly away must not end renewal for good.
                log.warning("renewing upload leases failed; retrying next round")
