"""A refusal of any limit sends the form back with every answer typed, in Chromium.

With JavaScript off (Tor Browser at "Safest") and on, as the site uses none:
too many files, more bytes than accepted, an answer too long. The files are
named so they can be chosen again; nothing is stored. Then the receipt page's
language buttons show the same code in another language.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.contexts import new_context
from tests.browser.screenshots import screenshot
from tests.browser.sites import MAX_FILES, SMALL_TEXT_CHARS, Intake
from tests.browser.steps import RECEIPT_CODE, Upload

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
MIB = 1 << 20
TEXT_CHARS = SMALL_TEXT_CHARS
STORY = "They phoned my mother in Kashgar. ئۇلار ئانامغا تېلېفون قىلدى."
CITY = "Almaty"


@pytest.fixture(params=[False, True], ids=["no-js", "js"])
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = new_context(browser, java_script_enabled=request.param, viewport=PHONE)
    yield context.new_page()
    context.close()


def _fill(page: Page, story: str = STORY) -> None:
    page.fill("#narrative", story)
    page.fill("#city", CITY)
    page.check("#categories-2")
    page.check("#contact_wanted-1")


def _assert_answers_kept(page: Page, story: str = STORY) -> None:
    assert page.locator("#narrative").input_value() == story
    assert page.locator("#city").input_value() == CITY
    assert page.locator("#categories-2").is_checked()
    assert page.locator("#contact_wanted-1").is_checked()
    assert "Please attach them again" in page.locator(".error-summary").inner_text()


def _files(count: int, size: int = 10) -> list[dict[str, object]]:
    return [Upload(f"evidence-{n}.txt", "text/plain", b"x" * size).as_playwright()
            for n in range(count)]  # fmt: skip


def test_too_many_files_keeps_every_answer(page: Page, small_intake: Intake) -> None:
    page.goto(f"{small_intake.url}/report")
    _fill(page)
    page.set_input_files("#attachments", files=_files(MAX_FILES + 1))  # type: ignore[arg-type]
    page.click("form#report button[type=submit]:not([name])")
    _assert_answers_kept(page)
    summary = page.locator(".error-summary").inner_text()
    assert f"up to {MAX_FILES} files" in summary and "evidence-0.txt" in summary
    screenshot(page, "refusal-too-many-files")


def test_too_many_bytes_keeps_every_answer(page: Page, small_intake: Intake) -> None:
    page.goto(f"{small_intake.url}/report")
    _fill(page)
    page.set_input_files("#attachments", files=_files(1, size=MIB + 1))  # type: ignore[arg-type]
    page.click("form#report button[type=submit]:not([name])")
    _assert_answers_kept(page)
    summary = page.locator(".error-summary").inner_text()
    assert "up to 1 MB in all" in summary and "evidence-0.txt" in summary
    assert "split it into several smaller files" in summary
    screenshot(page, "refusal-too-large")


@pytest.mark.parametrize("chars", [TEXT_CHARS + 1, TEXT_CHARS * 4 + 50], ids=["over", "far-over"])
def test_an_answer_too_long_keeps_every_other_answer(
    page: Page, small_intake: Intake, chars: int
) -> None:
    story = "a" * chars
    page.goto(f"{small_intake.url}/report")
    _fill(page)
    # Chromium holds the field's maxlength itself while the reporter types or pastes;
    # what reaches intake over it anyway (an older browser, another client) is set here.
    assert page.locator("#narrative").get_attribute("maxlength") == str(TEXT_CHARS)
    page.locator("#narrative").evaluate(
        "(field, text) => { field.removeAttribute('maxlength'); field.value = text; }", story
    )
    page.click("form#report button[type=submit]:not([name])")
    # Just over the limit, the whole answer comes back; far over what the receiver
    # holds, its beginning, marked; every other answer either way.
    assert page.locator("#city").input_value() == CITY
    assert page.locator("#categories-2").is_checked()
    assert page.locator("#narrative").input_value() == story[: TEXT_CHARS * 4]
    assert page.locator("#narrative-errors").count() == 1
    screenshot(page, f"refusal-text-{chars}")


def test_changing_language_on_the_receipt_keeps_the_code(page: Page, small_intake: Intake) -> None:
    page.goto(f"{small_intake.url}/report")
    _fill(page)
    page.click("form#report button[type=submit]:not([name])")
    code = page.locator(".receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(code), code
    assert code not in page.url
    page.click("nav.languages button[value=ug]")
    assert page.locator("html").get_attribute("lang") == "ug"
    assert page.locator(".receipt-code").inner_text().strip() == code
    assert code not in page.url
    screenshot(page, "receipt-in-uyghur")


def test_changing_language_on_the_form_keeps_every_answer(
    page: Page, small_intake: Intake
) -> None:
    page.goto(f"{small_intake.url}/report")
    _fill(page)
    page.set_input_files("#attachments", files=_files(1))  # type: ignore[arg-type]
    page.click("nav.languages button[value=fa]")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#narrative").input_value() == STORY
    assert page.locator("#city").input_value() == CITY
    assert page.locator("#categories-2").is_checked()
    assert "evidence-0.txt" in page.locator(".notice").inner_text()
    screenshot(page, "form-in-persian")


def test_the_quick_exit_is_on_screen_at_every_scroll_position(
    page: Page, small_intake: Intake
) -> None:
    page.goto(f"{small_intake.url}/report")
    body = page.locator("body").bounding_box()
    assert body is not None and body["height"] > 3 * PHONE["height"], body
    # Everything down the long phone form, brought on screen in turn, to the footer.
    places = page.locator("main h2, main .question, main button[type=submit], footer")
    assert places.count() > 20
    for index in range(places.count()):
        places.nth(index).scroll_into_view_if_needed()
        box = page.locator("a.quick-exit").bounding_box()  # relative to the viewport
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (index, box)
    screenshot(page, "quick-exit-at-the-bottom", full_page=False)
