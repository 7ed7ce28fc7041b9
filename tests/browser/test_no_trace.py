"""What a report leaves on the reporter's device: nothing of what they typed.

A real Chromium with a persistent profile, JavaScript off (Tor Browser at
"Safest"), fills in the form as a reporter would. After the receipt, and after
the quick exit, Back and Forward must show none of the typed text and no
receipt code. Once the browser
has closed and flushed its profile (history, session restore, autofill table,
cache), every file of it is searched for the typed text and the code, in UTF-8
and UTF-16-LE (how Chromium writes some strings).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.contexts import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, patient
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake, NeutralSite

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def _canary(kind: str) -> str:
    # Letters only, so no field or filter rewrites it; random, so only this test types it.
    return f"{kind}canary" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


@contextmanager
def _profiled(browser: Browser, profile: Path) -> Iterator[Page]:
    """A page of Chromium on a persistent profile at `profile`, closed (and flushed) after."""
    context: BrowserContext = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, java_script_enabled=False,
        viewport=PHONE, timeout=TIMEOUT_MS)  # fmt: skip
    patient(context)
    try:
        yield context.pages[0] if context.pages else context.new_page()
    finally:
        # Closing is what makes Chromium write its session, history and autofill out.
        context.close()


def _fill(page: Page, canaries: dict[str, str]) -> None:
    page.fill("#narrative", f"They followed me home. {canaries['story']}")
    page.fill("#city", canaries["city"])
    page.fill("#contact_name", canaries["name"])
    page.fill("#contact_details", canaries["phone"])
    page.check("#categories-1")
    page.check("#contact_wanted-0")


def _shows_none(page: Page, secrets_: list[str]) -> None:
    text = page.content()
    values = [page.locator(s).input_value() for s in ("#narrative", "#city")
              if page.locator(s).count()]  # fmt: skip
    for secret in secrets_:
        assert secret not in text, secret
        assert not any(secret in value for value in values), secret


def _found_in(profile: Path, secret: str) -> list[str]:
    """The profile's files that hold `secret`, as UTF-8 or UTF-16 text."""
    encodings = {secret.encode("utf-8"), secret.encode("utf-16-le")}
    found = []
    for path in sorted(profile.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [str(path.relative_to(profile)) for e in encodings if e in data]
    return found


def _assert_profile_clean(profile: Path, secrets_: dict[str, str]) -> None:
    assert any(profile.rglob("*Session*")) or any(profile.rglob("History")), "no profile written"
    leaks = {kind: _found_in(profile, text) for kind, text in secrets_.items()}
    assert not any(leaks.values()), {kind: files for kind, files in leaks.items() if files}


def _go(page: Page, step: str) -> None:
    page.go_back() if step == "back" else page.go_forward()


def test_back_after_the_receipt_shows_nothing_typed_and_the_profile_keeps_nothing(
    browser: Browser, intake: Intake, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    canaries = {kind: _canary(kind) for kind in ("story", "city", "name", "phone")}
    with _profiled(browser, profile) as page:
        page.goto(f"{intake.url}/report")
        _fill(page, canaries)
        page.click("form#report button[type=submit]:not([name])")
        code = page.locator(".receipt-code").inner_text().strip()
        assert page.title().startswith("Report received")
        screenshot(page, "no-trace-1-receipt")
        _go(page, "back")
        assert page.url == f"{intake.url}/report"
        _shows_none(page, [*canaries.values(), code])
        screenshot(page, "no-trace-2-back-after-receipt")
        # The POST was answered by a redirect, so its entry is a GET of /receipt with no
        # body to keep; Forward fetches it again (no-store) and the code is not shown twice.
        _go(page, "forward")
        assert page.title().startswith("This receipt is no longer shown")
        _shows_none(page, [*canaries.values(), code])
        screenshot(page, "no-trace-3-forward-to-the-receipt")
    _assert_profile_clean(profile, {**canaries, "code": code})


def test_back_after_the_quick_exit_shows_nothing_typed_and_the_profile_keeps_nothing(
    browser: Browser, intake: Intake, neutral_site: NeutralSite, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    canaries = {kind: _canary(kind) for kind in ("story", "city", "name", "phone")}
    with _profiled(browser, profile) as page:
        page.goto(f"{intake.url}/report")
        _fill(page, canaries)
        page.click("a.quick-exit")
        assert page.url == neutral_site.url
        _go(page, "back")
        assert page.url == f"{intake.url}/report"
        _shows_none(page, list(canaries.values()))
        screenshot(page, "no-trace-4-back-after-quick-exit")
    _assert_profile_clean(profile, canaries)
