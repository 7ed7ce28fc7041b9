"""Swapping parts of the review app's shared state in a test (a fake-clock vault, a throttle)."""

from __future__ import annotations

import dataclasses

from flask import Flask

from review.web.state import EXTENSION_KEY


def replace_state(app: Flask, **changes: object) -> None:
    """Swap parts of the app's state (a fake-clock vault, a recording throttle)."""
    app.extensions[EXTENSION_KEY] = dataclasses.replace(app.extensions[EXTENSION_KEY], **changes)
