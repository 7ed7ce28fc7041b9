"""The danger page's country choice in Chromium without JavaScript: its numbers, nothing kept."""

from __future__ import annotations

import pytest

from tests.browser.contexts import OpenContext
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "name"), [("en", "Japan"), ("ug", "ياپونىيە")])
def test_choosing_a_country_shows_its_numbers_without_javascript(
    open_context: OpenContext, intake: Intake, language: str, name: str
) -> None:
    page = open_context(java_script_enabled=False)
    page.goto(f"{intake.url}/?lang={language}")
    page.click("a[href='/danger']")
    # A click waits for the navigation to begin, not for the page: count() does not wait.
    page.wait_for_load_state()
    assert page.locator("a[href='tel:112']").count() >= 1  # the fallback names 112 for the EU
    before = page.context.cookies()
    page.select_option("#country", "JP")
    page.click("form[action='/danger'] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/danger?country=JP")
    assert name in page.locator("h2").first.inner_text()
    assert [a.get_attribute("href") for a in page.locator("ul.emergency a").all()] == ["tel:110"]
    screenshot(page, f"danger-country-{language}")
    # A GET form sets nothing: the choice lives only in this page's address.
    assert page.context.cookies() == before
