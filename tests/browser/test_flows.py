"""Whole reports in Chromium with JavaScript off, as in Tor Browser at its "Safest" setting."""

from __future__ import annotations

import secrets

import pytest

from tests.browser.contexts import OpenContext
from tests.browser.recorded import Recorded
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake, NeutralSite
from tests.browser.steps import Upload, picked_up, send_report

pytestmark = pytest.mark.browser
MOBILE = {"width": 360, "height": 740}
# 1280 CSS pixels at 200% zoom lay out like 640; 320 is WCAG's reflow width.
NARROW_WIDTHS = (360, 320, 640)


def canary() -> str:
    """A string that must reach intake's ciphertext and nowhere else."""
    return f"canary-{secrets.token_hex(12)}"


def uploads(secret: str) -> list[Upload]:
    return [
        Upload("statement.txt", "text/plain", f"What they said to me. {secret}\n".encode()),
        Upload("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(2048)),
    ]


def assert_canary_only_posted_to_intake(recorded: Recorded, intake: Intake, secret: str) -> None:
    carrying = [
        (method, url)
        for method, url, body in recorded.requests
        if secret.encode() in body or secret in url
    ]
    # The canary is in the narrative and in an attachment: exactly one request, the
    # report posted to intake, may carry it.
    assert carrying == [("POST", f"{intake.url}/report")]
    ((_, _, body),) = [r for r in recorded.requests if r[0] == "POST"]
    assert body.count(secret.encode()) == 2, "the recorder did not see the attachment"


def assert_received(intake: Intake, secret: str, *, language: str) -> None:
    ((report, files),) = [
        (report, files) for report, files in picked_up(intake)
        if secret in report["answers"]["narrative"]
    ]  # fmt: skip
    assert report["language"] == language
    names = [attachment["original_name"] for attachment in report["attachments"]]
    assert names == ["statement.txt", "photo.png"]
    assert secret.encode() in files["attachment-001.age"]


def test_a_whole_report_without_javascript(
    open_context: OpenContext, recorded: Recorded, intake: Intake
) -> None:
    page = open_context(viewport={"width": 1280, "height": 900})
    secret = canary()
    page.goto(f"{intake.url}/")
    screenshot(page, "en-1-start")
    page.click("a.button[href='/report']")
    screenshot(page, "en-2-form")
    code = send_report(page, narrative=f"They followed me home. {secret}", uploads=uploads(secret))
    screenshot(page, "en-3-receipt")
    assert page.title().startswith("Report received")
    assert len(code.split()) == 7
    # Checking back with the code needs a page intake does not have yet.
    assert_canary_only_posted_to_intake(recorded, intake, secret)
    assert_received(intake, secret, language="en")


def test_the_same_report_in_a_right_to_left_language_via_the_chooser(
    open_context: OpenContext, recorded: Recorded, intake: Intake
) -> None:
    page = open_context(viewport={"width": 1280, "height": 900})
    secret = canary()
    page.goto(f"{intake.url}/")
    page.click("nav.languages a[lang='fa']")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("fa", "rtl")
    # Mirrored: the quick exit sits at the start of the bar, on the left in Persian.
    exit_box = page.locator(".quick-exit").bounding_box()
    name_box = page.locator(".site-name").bounding_box()
    assert exit_box and name_box and exit_box["x"] < name_box["x"]
    screenshot(page, "fa-1-start")
    page.click("a.button[href='/report']")
    assert page.locator("html").get_attribute("lang") == "fa"  # the choice was remembered
    screenshot(page, "fa-2-form")
    send_report(page, narrative=f"مرا تا خانه تعقیب کردند. {secret}", uploads=uploads(secret))
    screenshot(page, "fa-3-receipt")
    code = page.locator(".receipt-code")
    assert code.evaluate("element => getComputedStyle(element).direction") == "ltr"
    assert_canary_only_posted_to_intake(recorded, intake, secret)
    assert_received(intake, secret, language="fa")


@pytest.mark.parametrize("language", ["en", "bo"])
def test_phone_sized_screens_never_scroll_sideways(
    open_context: OpenContext, intake: Intake, language: str
) -> None:
    page = open_context(viewport=MOBILE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(f"{intake.url}/?lang={language}")
    screenshot(page, f"{language}-mobile-1-start")
    page.click("a.button[href='/report']")
    screenshot(page, f"{language}-mobile-2-form")
    page.click("form button[type=submit]")  # empty: the error summary
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    screenshot(page, f"{language}-mobile-3-errors")
    for path in ("/", "/danger", "/report"):
        page.goto(f"{intake.url}{path}")
        for width in NARROW_WIDTHS:
            page.set_viewport_size({"width": width, "height": 740})
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, width)


def test_the_quick_exit_leaves_for_the_neutral_site_without_a_referrer(
    open_context: OpenContext, intake: Intake, neutral_site: NeutralSite
) -> None:
    page = open_context()
    page.goto(f"{intake.url}/report")
    before = len(neutral_site.received)
    page.click(".quick-exit")
    page.wait_for_url(neutral_site.url)
    screenshot(page, "quick-exit")
    assert page.title() == "Weather"
    (arrival,) = neutral_site.received[before:]
    assert "Referer" not in arrival
