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

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.profiles import assert_profile_clean, canary, go, profiled, shows_none
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake, NeutralSite

pytestmark = pytest.mark.browser


def _fill(page: Page, canaries: dict[str, str]) -> None:
    page.fill("#narrative", f"They followed me home. {canaries['story']}")
    page.fill("#city", canaries["city"])
    page.fill("#contact_name", canaries["name"])
    page.fill("#contact_details", canaries["phone"])
    page.check("#categories-1")
    page.check("#contact_wanted-0")


def test_back_after_the_receipt_shows_nothing_typed_and_the_profile_keeps_nothing(
    browser: Browser, intake: Intake, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    canaries = {kind: canary(kind) for kind in ("story", "city", "name", "phone")}
    with profiled(browser, profile) as page:
        page.goto(f"{intake.url}/report")
        _fill(page, canaries)
        page.click("form#report button[type=submit]:not([name])")
        code = page.locator(".receipt-code").inner_text().strip()
        assert page.title().startswith("Report received")
        screenshot(page, "no-trace-1-receipt")
        go(page, "back")
        assert page.url == f"{intake.url}/report"
        shows_none(page, [*canaries.values(), code])
        screenshot(page, "no-trace-2-back-after-receipt")
        # The POST was answered by a redirect, so its entry is a GET of /receipt with no
        # body to keep; Forward fetches it again (no-store) and the code is not shown twice.
        go(page, "forward")
        assert page.title().startswith("This receipt is no longer shown")
        shows_none(page, [*canaries.values(), code])
        screenshot(page, "no-trace-3-forward-to-the-receipt")
    assert_profile_clean(profile, {**canaries, "code": code})


def test_back_after_the_quick_exit_shows_nothing_typed_and_the_profile_keeps_nothing(
    browser: Browser, intake: Intake, neutral_site: NeutralSite, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    canaries = {kind: canary(kind) for kind in ("story", "city", "name", "phone")}
    with profiled(browser, profile) as page:
        page.goto(f"{intake.url}/report")
        _fill(page, canaries)
        page.click("a.quick-exit")
        assert page.url == neutral_site.url
        go(page, "back")
        assert page.url == f"{intake.url}/report"
        shows_none(page, list(canaries.values()))
        screenshot(page, "no-trace-4-back-after-quick-exit")
    assert_profile_clean(profile, canaries)
