"""How slowly a client may send a request before its connection is cut off.

A threaded server gives each request a thread for as long as the client takes
to send it, so a client that trickles bytes holds a thread as long as it likes.
Reporters on Tor are slow, too, so no short fixed timeout will do. The rule:

- the header block must be complete within `header_seconds` of its first byte
  (a browser sends it in one piece; only a hostile client dribbles it);
- the body must keep up a minimum average rate: in every window of
  `window_seconds`, at least `min_bytes_per_second` x `window_seconds` bytes,
  and never a silence of a whole window.

The defaults (intake/config.py) leave an honest upload over a poor Tor circuit
a hundredfold margin, while a client trickling a few bytes at a time holds its
thread for one window at most. docs/intake.md ("Slow connections") gives the
figures.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from intake.errors import ClientTooSlow


@dataclass(frozen=True)
class Pace:
    """The slowest a client may send a request (intake/config.py names each setting)."""

    header_seconds: float
    min_bytes_per_second: int
    window_seconds: float

    @property
    def bytes_per_window(self) -> int:
        return max(1, round(self.min_bytes_per_second * self.window_seconds))


class Receivable(Protocol):
    def fileno(self) -> int: ...

    def recv(self, size: int, /) -> bytes: ...


class PacedReceiver:
    """A socket's `recv`, refusing with ClientTooSlow a client that falls below `pace`.

    The socket stays blocking, with no timeout (its writes are not paced): each
    read waits for readability with poll(2) until the current deadline instead.
    """

    def __init__(
        self, sock: Receivable, pace: Pace, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sock = sock
        self._pace = pace
        self._clock = clock
        self._header_deadline: float | None = None
        self._in_body = False
        self._window_end = 0.0
        self._window_bytes = 0
        # A TLS socket holds decrypted bytes poll(2) cannot see.
        self._pending = getattr(sock, "pending", None)
        # One poller for the connection's life (its descriptor does not change), rather
        # than one built and registered for every read.
        self._poller = _poller_of(sock)

    def start_request(self) -> None:
        """A new request: its header block gets `header_seconds` from its first byte."""
        self._in_body = False
        self._header_deadline = None

    def start_body(self) -> None:
        """The header block is complete; from now on the body's rate is checked."""
        self._in_body = True
        self._open_window(self._clock())

    def recv(self, size: int) -> bytes:
        while not self._readable_before(self._deadline()):
            self._deadline_passed()
        data = self._sock.recv(size)
        if self._in_body:
            self._window_bytes += len(data)
        return data

    def _deadline(self) -> float:
        if self._in_body:
            return self._window_end
        if self._header_deadline is None:
            # The first read of a request: gunicorn's thread has already waited
            # (5 s at most) for its first bytes to arrive before parsing.
            self._header_deadline = self._clock() + self._pace.header_seconds
        return self._header_deadline

    def _deadline_passed(self) -> None:
        if not self._in_body:
            raise ClientTooSlow("the request's header block was not complete in time")
        if self._window_bytes < self._pace.bytes_per_window:
            raise ClientTooSlow("the request body arrived below the minimum rate")
        # From now, not from the window's end: time the app spent not reading (the
        # client's bytes waiting in the socket buffers) is not the client's to pay.
        self._open_window(self._clock())

    def _open_window(self, start: float) -> None:
        self._window_end = start + self._pace.window_seconds
        self._window_bytes = 0

    def _readable_before(self, deadline: float) -> bool:
        if self._pending is not None and self._pending():
            return True
        timeout_ms = max(0, int((deadline - self._clock()) * 1000) + 1)
        # A hang-up or error counts as readable: recv then reports it.
        return bool(self._poller.poll(timeout_ms))


def readable_within(sock: Receivable, seconds: float) -> bool:
    """Whether `sock` has bytes to read (or a hang-up) within `seconds`: one poll(2)."""
    return bool(_poller_of(sock).poll(max(0, int(seconds * 1000))))


def _poller_of(sock: Receivable) -> select.poll:
    """A poller waiting for `sock` to be readable (a hang-up or an error counts too)."""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLPRI)
    return poller
