"""A refusal and a language button leave nothing typed on the device either.

A form shown as the answer to a POST would be a POST history entry, its body,
every answer, written into the profile's session restore files. Every POST of
the form answers 303 instead (intake/form_again.py). A real Chromium on a
persistent profile, JavaScript off and on: the reporter types canaries, is
refused (too many files), presses a language button, then either sends the
report or leaves by the quick exit. Back shows nothing typed, and once the
browser has closed no file of its profile holds a canary, in UTF-8 or UTF-16-LE,
nor the draft cookies' values (each a draft's id and key).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response

from intake.form_again import REPORT_DRAFTS
from tests.browser.profiles import assert_profile_clean, canary, go, profiled, shows_none
from tests.browser.screenshots import screenshot
from tests.browser.sites import MAX_FILES, Intake, NeutralSite
from tests.browser.steps import Upload

pytestmark = pytest.mark.browser
SUBMIT = "form#report button[type=submit]:not([name])"


def _canaries() -> dict[str, str]:
    return {kind: canary(kind) for kind in ("story", "city", "name", "phone")}


def _draft_tickets(page: Page) -> list[str]:
    """Every draft ticket (a draft's id and key) the site sets as a cookie on `page`, as set."""
    tickets: list[str] = []

    def seen(response: Response) -> None:
        for header in response.headers_array():
            name, _, value = header["value"].split(";", 1)[0].partition("=")
            if header["name"].lower() == "set-cookie" and name == REPORT_DRAFTS.cookie and value:
                tickets.append(value)

    page.on("response", seen)
    return tickets


def _refused_then_in_french(
    page: Page, intake: Intake, canaries: dict[str, str], shot: str
) -> None:
    """Type the canaries, be refused for too many files, then press "Français"."""
    tickets = _draft_tickets(page)
    page.goto(f"{intake.url}/report")
    story = f"They followed me home. {canaries['story']}"
    page.fill("#narrative", story)
    page.fill("#city", canaries["city"])
    page.fill("#contact_name", canaries["name"])
    page.fill("#contact_details", canaries["phone"])
    page.check("#categories-1")
    files = [Upload(f"evidence-{n}.txt", "text/plain", b"x").as_playwright()
             for n in range(MAX_FILES + 1)]  # fmt: skip
    page.set_input_files("#attachments", files=files)  # type: ignore[arg-type]
    page.click(SUBMIT)
    # The refusal is a GET of /report (the POST answered 303), every answer in place.
    assert page.url == f"{intake.url}/report"
    assert f"up to {MAX_FILES} files" in page.locator(".error-summary").inner_text()
    assert page.locator("#narrative").input_value() == story
    assert page.locator("#contact_details").input_value() == canaries["phone"]
    screenshot(page, f"{shot}-1-refused")
    page.click("button[name=lang][value=fr]")
    assert page.url == f"{intake.url}/report"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#narrative").input_value() == story
    assert page.locator("#city").input_value() == canaries["city"]
    assert page.locator("#categories-1").is_checked()
    screenshot(page, f"{shot}-2-in-french")
    # The refusal's and the language button's: the keys to their drafts are canaries too.
    assert len(tickets) == 2
    canaries.update({f"draft-key-{n}": ticket for n, ticket in enumerate(tickets)})


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_refusal_and_a_language_change_then_the_receipt_leave_nothing_typed(
    browser: Browser, intake: Intake, tmp_path: Path, javascript: bool
) -> None:
    profile = tmp_path / "profile"
    canaries = _canaries()
    shot = f"no-trace-refusal-receipt-{'js' if javascript else 'no-js'}"
    with profiled(browser, profile, javascript=javascript) as page:
        _refused_then_in_french(page, intake, canaries, shot)
        page.click(SUBMIT)
        code = page.locator(".receipt-code").inner_text().strip()
        assert page.url == f"{intake.url}/receipt"
        screenshot(page, f"{shot}-3-receipt")
        # Back through every entry of the visit: each is a GET of /report, the draft
        # it showed read once and gone, so the form comes back empty each time.
        for _ in range(2):
            go(page, "back")
            assert page.url == f"{intake.url}/report"
            shows_none(page, [*canaries.values(), code])
        screenshot(page, f"{shot}-4-back")
    assert_profile_clean(profile, {**canaries, "code": code})


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_refusal_and_a_language_change_then_the_quick_exit_leave_nothing_typed(
    browser: Browser, intake: Intake, neutral_site: NeutralSite, tmp_path: Path, javascript: bool
) -> None:
    profile = tmp_path / "profile"
    canaries = _canaries()
    shot = f"no-trace-refusal-exit-{'js' if javascript else 'no-js'}"
    with profiled(browser, profile, javascript=javascript) as page:
        _refused_then_in_french(page, intake, canaries, shot)
        page.click("a.quick-exit")
        assert page.url == neutral_site.url
        for _ in range(2):
            go(page, "back")
            assert page.url == f"{intake.url}/report"
            shows_none(page, list(canaries.values()))
        screenshot(page, f"{shot}-3-back-after-quick-exit")
    assert_profile_clean(profile, canaries)
