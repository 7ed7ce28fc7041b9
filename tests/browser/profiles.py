"""A persistent Chromium profile searched, once closed, for what a reporter typed.

Shared by the tests of what a visit leaves on the reporter's device
(tests/browser/test_no_trace.py, tests/browser/test_no_trace_refusals.py) and on
the reviewer's (tests/browser/test_review_profile.py: canary and found_in).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.contexts import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, patient

PHONE = {"width": 360, "height": 740}


def canary(kind: str) -> str:
    """Text only this test types: letters only, so no field or filter rewrites it."""
    return f"{kind}canary" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


@contextmanager
def profiled(browser: Browser, profile: Path, *, javascript: bool = False) -> Iterator[Page]:
    """A page of Chromium on a persistent profile at `profile`, closed (and flushed) after."""
    context: BrowserContext = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        java_script_enabled=javascript, viewport=PHONE, timeout=TIMEOUT_MS)  # fmt: skip
    patient(context)
    try:
        yield context.pages[0] if context.pages else context.new_page()
    finally:
        # Closing is what makes Chromium write its session, history and autofill out.
        context.close()


def shows_none(page: Page, secrets_: list[str]) -> None:
    """Neither the page nor its narrative and city fields hold any of `secrets_`."""
    text = page.content()
    values = [page.locator(s).input_value() for s in ("#narrative", "#city")
              if page.locator(s).count()]  # fmt: skip
    for secret in secrets_:
        assert secret not in text, secret
        assert not any(secret in value for value in values), secret


def found_in(profile: Path, secret: str) -> list[str]:
    """The profile's files that hold `secret`, as UTF-8 or UTF-16 text."""
    encodings = {secret.encode("utf-8"), secret.encode("utf-16-le")}
    found = []
    for path in sorted(profile.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [str(path.relative_to(profile)) for e in encodings if e in data]
    return found


def assert_profile_clean(profile: Path, secrets_: dict[str, str]) -> None:
    """The closed profile was written, and none of its files holds any of `secrets_`."""
    assert any(profile.rglob("*Session*")) or any(profile.rglob("History")), "no profile written"
    leaks = {kind: found_in(profile, text) for kind, text in secrets_.items()}
    assert not any(leaks.values()), {kind: files for kind, files in leaks.items() if files}


def go(page: Page, step: str) -> None:
    """Back or Forward, as the reporter would press it."""
    page.go_back() if step == "back" else page.go_forward()
