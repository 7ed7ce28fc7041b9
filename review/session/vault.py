"""Unlocked sessions, held in this process's memory only, locking themselves when idle.

A session's identities and decrypted library are dropped on lock, on idle
timeout and when the process ends; nothing of them is ever written anywhere.
(Python cannot promise to wipe the freed memory; the workspace machine is
offline and full-disk encrypted for that reason.)
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

import keys
from keys.signing import SigningKey
from review.casefile.facets import InboxView
from review.casefile.library import Arrivals, CaseLibrary
from review.clock import Monotonic, monotonic
from review.triage.record import CaseTriage

TOKEN_BYTES = 32
VIEW_ID_BYTES = 12
# Searches kept per session; the oldest is forgotten first (its URL then shows the inbox).
MAX_VIEWS = 100


@dataclass
class ReviewerSession:
    """What one unlocked reviewer holds in memory."""

    reviewer: str
    identities: tuple[keys.Identity, ...]
    library: CaseLibrary
    triage: dict[str, CaseTriage] = field(default_factory=dict)
    last_seen: float = 0.0
    views: dict[str, InboxView] = field(default_factory=dict)
    # The reviewer's reply-signing key, opened with their identity at unlock.
    signing_key: SigningKey | None = None
    # What imports brought since unlock that the reviewer has not marked as seen.
    arrivals: Arrivals = field(default_factory=Arrivals)

    def keep_view(self, view: InboxView) -> str:
        """Remember `view` and return the opaque id the inbox URL carries instead of it."""
        view_id = secrets.token_urlsafe(VIEW_ID_BYTES)
        self.views[view_id] = view
        while len(self.views) > MAX_VIEWS:
            del self.views[next(iter(self.views))]
        return view_id


class Vault:
    """Session tokens -> unlocked sessions, with an idle timeout enforced by a reaper thread."""

    def __init__(self, *, idle_seconds: float, clock: Monotonic = monotonic) -> None:
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._sessions: dict[str, ReviewerSession] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reaper: threading.Thread | None = None

    def start_reaper(self, *, interval: float) -> None:
        """Drop idle sessions every `interval` seconds in a daemon thread, until `stop`."""
        if self._reaper is not None:
            return
        self._reaper = threading.Thread(
            target=self._reap, args=(interval,), name="haven-review-reaper", daemon=True
        )
        self._reaper.start()

    def stop(self) -> None:
        """Stop the reaper and drop every session (the server is shutting down)."""
        self._stopping.set()
        if self._reaper is not None:
            self._reaper.join()
            self._reaper = None
        with self._lock:
            self._sessions.clear()

    def reap(self) -> int:
        """Drop every idle session now; returns how many were dropped."""
        with self._lock:
            return self._drop_idle(self._clock())

    def _reap(self, interval: float) -> None:
        while not self._stopping.wait(interval):
            self.reap()

    def open(self, session: ReviewerSession, *, replacing: str | None = None) -> str:
        """Keep `session` and return the unguessable token that names it.

        `replacing` is the token the browser held before (if any): that session
        is locked in the same step. Otherwise a cookie copied before the new
        unlock would stay unlocked, its identities in memory, until it idled out.
        """
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session.last_seen = self._clock()
        with self._lock:
            self._sessions.pop(replacing or "", None)
            self._sessions[token] = session
        return token

    def get(self, token: str | None) -> ReviewerSession | None:
        """The live session for `token`, or None once it was locked or went idle."""
        if token is None:
            return None
        now = self._clock()
        with self._lock:
            self._drop_idle(now)
            session = self._sessions.get(token)
            if session is not None:
                session.last_seen = now
            return session

    def close(self, token: str | None) -> None:
        """Lock a session now."""
        with self._lock:
            self._sessions.pop(token or "", None)

    def _drop_idle(self, now: float) -> int:
        # Every idle session is dropped, not just the one asked about, so an
        # abandoned session does not keep its identities in memory until visited.
        expired = [t for t, s in self._sessions.items() if now - s.last_seen > self._idle_seconds]
        for token in expired:
            del self._sessions[token]
        return len(expired)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
