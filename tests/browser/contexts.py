"""Browser contexts and pages that wait as long as the rest of the suite does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.support import WAIT_SECONDS

# Debian's Chromium (apt-get install chromium); never a browser Playwright downloads.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces for "nothing leaves the machine": no proxy, and no host name
    # resolves, so only the IP literals of the local servers can be reached.
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# Playwright gives every action and navigation 30 s by default, too little for
# a loaded machine; its waits are on conditions, so the suite's bound is theirs.
TIMEOUT_MS = WAIT_SECONDS * 1000

# The `open_context` fixture: open a recorded context with these options, return its page.
OpenContext = Callable[..., Page]


def patient(target: BrowserContext | Page) -> None:
    """Give every action and navigation in `target` the suite's bound."""
    target.set_default_timeout(TIMEOUT_MS)
    target.set_default_navigation_timeout(TIMEOUT_MS)


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """`browser.new_context(**options)`, with the suite's bound on every wait in it."""
    context = browser.new_context(**options)
    patient(context)
    return context
