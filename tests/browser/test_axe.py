"""axe-core on every intake page: no WCAG 2.0, 2.1 or 2.2 A/AA violation, in three scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from intake.i18n import LANGUAGE_COOKIE
from tests.browser.axe import axe_violations
from tests.browser.contexts import OpenContext
from tests.browser.screenshots import screenshot
from tests.browser.sites import MAX_FILES, Intake

pytestmark = pytest.mark.browser


def violations(page: Page, axe_core: Path, name: str) -> list[dict[str, Any]]:
    """Run axe-core in `page` (injected, since the page itself never runs script)."""
    screenshot(page, f"axe-{name}", full_page=False)  # the top is what each check is about
    return axe_violations(page, axe_core)


def pages(page: Page, intake: Intake, language: str) -> Any:
    """Visit every intake page in turn, yielding each page's name once it is shown."""
    for name, path in (("index", "/"), ("danger", "/danger"), ("form", "/report")):
        page.goto(f"{intake.url}{path}")
        yield name
    page.goto(f"{intake.url}/danger")
    page.select_option("#country", "JP")
    page.click("form[action='/danger'] button[type=submit]")
    yield "danger-country"
    page.goto(f"{intake.url}/no-such-page")
    yield "not-found"
    page.goto(f"{intake.url}/report")
    page.click("form button[type=submit]")
    yield "form-errors"
    page.fill("#narrative", "They photographed me at the demonstration.")
    page.click("form button[type=submit]")
    yield "receipt"
    page.goto(f"{intake.url}/report")
    many = [{"name": f"{n}.txt", "mimeType": "text/plain", "buffer": b"x"} for n in range(9)]
    page.set_input_files("#attachments", files=many[: MAX_FILES + 1])
    page.click("form button[type=submit]")
    yield "too-large"
    page.goto(f"{intake.url}/report")
    # The session holding the CSRF token is gone; only the language is kept.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": intake.url}])
    page.fill("#narrative", "x")
    page.click("form button[type=submit]")
    yield "refused"


@pytest.mark.parametrize("language", ["en", "ar", "bo"])
def test_no_accessibility_violations_on_any_page(
    open_context: OpenContext, intake: Intake, axe_core: Path, language: str
) -> None:
    # JavaScript only so axe itself can run; bypass_csp lets it in past script-src 'none'.
    page = open_context(java_script_enabled=True, bypass_csp=True)
    page.goto(f"{intake.url}/?lang={language}")
    seen = {}
    for name in pages(page, intake, language):
        assert page.locator("html").get_attribute("lang") == language, name
        seen[name] = violations(page, axe_core, f"{language}-{name}")
    assert list(seen) == [
        "index", "danger", "form", "danger-country", "not-found", "form-errors", "receipt",
        "too-large", "refused",
    ]  # fmt: skip
    assert {name: found for name, found in seen.items() if found} == {}


def test_axe_finds_violations_when_there_are_some(
    open_context: OpenContext, intake: Intake, axe_core: Path
) -> None:
    # The zero above means something only if axe reports what it should.
    page = open_context(java_script_enabled=True, bypass_csp=True)
    page.goto(f"{intake.url}/report")
    page.evaluate("() => { document.querySelector('label[for=narrative]').remove(); }")
    rules = {v["rule"] for v in violations(page, axe_core, "control-unlabelled")}
    assert "label" in rules
