"""Checking back leaves neither the receipt code nor a reply on the device (issue 12).

A results page answering POST /check would be a POST history entry, its body,
the receipt code, written into the profile's session restore files: anyone
holding the phone could read the code and open the case. POST /check answers
303 instead, the case sealed in a cookie for the results page
(intake/checkback_seal.py). A real Chromium on a persistent profile,
JavaScript off and on: the reporter sends a report, a reply is loaded, they
check back with the code, read the reply, and leave by the quick exit. Back
shows no results, and once the browser has closed no file of its profile holds
the code (its words or its digits, typed or form-encoded), the reply, or the
sealed cookie's value, in UTF-8 or UTF-16-LE.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import Browser, Page, Response
from sqlalchemy import select

from intake.checkback_views import CASE_COOKIE
from intake.config import database_url
from intake.db import make_engine
from intake.models import Submission
from keys.receipt import receipt_code_digit_groups
from keys.signing import SigningKey
from tests.browser.desks import Operator
from tests.browser.profiles import assert_profile_clean, canary, go, profiled, shows_none
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake, NeutralSite
from tests.intake.reply_bundles import ReplyBundle, reply_recipient

pytestmark = pytest.mark.browser


def _sealed_cases(page: Page) -> list[str]:
    """Every sealed case the site sets as a cookie on `page`, as set."""
    values: list[str] = []

    def seen(response: Response) -> None:
        for header in response.headers_array():
            name, _, value = header["value"].split(";", 1)[0].partition("=")
            if header["name"].lower() == "set-cookie" and name == CASE_COOKIE and value:
                values.append(value)

    page.on("response", seen)
    return values


def _reply_to_the_only_case(intake: Intake, text: str, tmp_path: Path) -> None:
    """A signed reply bundle to the one case, trusted and loaded as the operator does."""
    engine = make_engine(database_url({}, intake.data_dir))
    try:
        with engine.connect() as connection:
            (case_id,) = connection.execute(
                select(Submission.id).where(Submission.follows.is_(None))
            ).scalars()
        bundle = ReplyBundle(SigningKey.generate())
        bundle.add(reply_recipient(engine, case_id), case_id, status="received", text=text)
    finally:
        engine.dispose()
    operator = Operator(intake)
    operator.trust(str(bundle.signing_key.public_key()))
    assert "Loaded 1 reply" in operator.load_replies(bundle.write(tmp_path / "replies.tar"))


def _code_forms(code: str) -> dict[str, str]:
    """The code as typed and as a form body carries it, in words and in digits."""
    digits = " ".join(receipt_code_digit_groups(code))
    return {
        "code-words": code,
        "code-words-form": quote_plus(code),
        "code-digits": digits,
        "code-digits-joined": digits.replace(" ", ""),
    }


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_checking_back_then_the_quick_exit_leave_no_code_and_no_reply(
    browser: Browser,
    own_intake: Intake,
    neutral_site: NeutralSite,
    tmp_path: Path,
    javascript: bool,
) -> None:
    profile = tmp_path / "profile"
    reply = canary("reply")
    shot = f"no-trace-checkback-{'js' if javascript else 'no-js'}"
    with profiled(browser, profile, javascript=javascript) as page:
        sealed = _sealed_cases(page)
        page.goto(f"{own_intake.url}/report")
        page.fill("#narrative", f"They followed me home. {secrets.token_hex(4)}")
        page.click("form#report button[type=submit]:not([name])")
        code = page.locator(".receipt-code").inner_text().strip()
        _reply_to_the_only_case(own_intake, reply, tmp_path)
        page.goto(f"{own_intake.url}/check")
        page.fill("#code", code)
        page.click("form[action='/check'] button[type=submit]")
        assert reply in page.locator("main").inner_text()
        screenshot(page, f"{shot}-1-replies")
        page.click("a.quick-exit")
        assert page.url == neutral_site.url
        go(page, "back")
        # The results' entry is a GET without its cookie now: the code form, nothing shown.
        shows_none(page, [reply, code, *_code_forms(code).values()])
        assert page.url == f"{own_intake.url}/check"
        screenshot(page, f"{shot}-2-back-after-quick-exit")
    cookies = {f"sealed-case-{n}": value for n, value in enumerate(sealed)}
    assert_profile_clean(profile, {"reply": reply, **cookies, **_code_forms(code)})
    # One right code, one sealed case: the cookie's value was searched for above.
    assert len(sealed) == 1
