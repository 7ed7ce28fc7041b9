"""The receipt code in digits on a 320 px phone, in Chromium with JavaScript off.

Each word sits beside its group of digits on one numbered row that never
breaks inside a word or a group, in a left-to-right and a right-to-left page;
the digits, typed back with spaces where the reporter likes, open the report.
"""

from __future__ import annotations

import pytest

from keys.receipt import receipt_code_digit_groups
from tests.browser.contexts import OpenContext
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake
from tests.browser.steps import send_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 320, "height": 640}


@pytest.mark.parametrize("language", ["en", "ug"])
def test_each_row_fits_a_320px_screen_unbroken(
    open_context: OpenContext, intake: Intake, language: str
) -> None:
    page = open_context(viewport={"width": 1280, "height": 900})
    page.goto(f"{intake.url}/report?lang={language}")
    code = send_report(page, narrative="rows", uploads=[])
    # The receipt page, then narrowed to the phone: the rows are what is measured here.
    page.set_viewport_size(PHONE)
    rows = page.locator(".receipt-groups li")
    assert rows.count() == 7
    groups = receipt_code_digit_groups(code)
    for number in range(7):
        row = rows.nth(number)
        word, group = row.locator(".receipt-word"), row.locator(".receipt-group")
        assert word.inner_text() == code.split()[number]
        assert group.inner_text() == groups[number]
        word_box, group_box, row_box = word.bounding_box(), group.bounding_box(), row.bounding_box()
        assert word_box and group_box and row_box
        # One line: the group sits beside its word, not under it, and inside the screen.
        middle = group_box["y"] + group_box["height"] / 2
        assert word_box["y"] <= middle <= word_box["y"] + word_box["height"], (number, row_box)
        assert group_box["x"] > word_box["x"]
        assert group_box["x"] + group_box["width"] <= PHONE["width"]
        assert row_box["height"] < 2 * group_box["height"]
    screenshot(page, f"{language}-receipt-digits-320px")


def test_the_digits_typed_back_open_the_report(open_context: OpenContext, intake: Intake) -> None:
    page = open_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(f"{intake.url}/report")
    code = send_report(page, narrative="digits", uploads=[])
    page.goto(f"{intake.url}/check")
    digits = "".join(receipt_code_digit_groups(code))
    # Typed with the spaces in odd places: groups are read by position.
    page.fill("#code", f"{digits[:3]} {digits[3:17]}-{digits[17:]}")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "There is no reply yet." in page.content()
    screenshot(page, "en-checkback-with-digits")
