"""A cap on the uploads one intake process receives at once.

Each upload holds one of the worker's threads while its body arrives, which over
Tor takes minutes. Uploads beyond the cap are answered at once with a "busy,
try again" page in the reporter's language instead of waiting for a thread, and
the threads above the cap stay free for everything else: the form itself, the
busy page, check-backs.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g

from intake.errors import UploadsBusy


class UploadSlots:
    """At most `limit` uploads at once in this process; UploadsBusy beyond that."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._taken = 0
        self._lock = threading.Lock()

    @property
    def taken(self) -> int:
        return self._taken

    def take(self) -> None:
        """Take a slot for the current upload, or refuse it with UploadsBusy."""
        with self._lock:
            if self._taken >= self._limit:
                raise UploadsBusy(f"{self._limit} uploads are being received already")
            self._taken += 1

    def give_back(self) -> None:
        with self._lock:
            assert self._taken > 0, "a slot given back that was never taken"
            self._taken -= 1


EXTENSION_KEY = "haven_upload_slots"


def install_upload_slots(app: Flask, limit: int) -> None:
    """Cap `app`'s uploads at `limit` at once; each request gives its slot back at its end."""
    app.extensions[EXTENSION_KEY] = UploadSlots(limit)

    @app.teardown_request
    def give_back_slot(_error: BaseException | None) -> None:
        if g.pop(_HOLDS_SLOT, False):
            _slots().give_back()


def take_upload_slot() -> None:
    """Take a slot for the current request's body, or refuse it with UploadsBusy."""
    if g.get(_HOLDS_SLOT, False):
        return
    _slots().take()
    g.setdefault(_HOLDS_SLOT, True)


_HOLDS_SLOT = "haven_holds_upload_slot"


def _slots() -> UploadSlots:
    slots = current_app.extensions[EXTENSION_KEY]
    assert isinstance(slots, UploadSlots)
    return slots
