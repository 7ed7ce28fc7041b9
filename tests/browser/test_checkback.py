"""Issue 8 end to end: a Persian reporter checks back with the receipt code, in Chromium.

The reporter submits through the form (JavaScript off, as Tor Browser at
"Safest"), the operator picks up, alice imports and replies twice from the
review command line, the operator trusts her signing key and loads the signed
reply bundle; back in the browser the reporter opens /check from the front
page, reads both replies in Persian and sends a follow-up with a file and a
consent change; a second pickup (version 4) carries it to the same case.
After every step nothing intake keeps (data directory, TMPDIR, log) holds a
plaintext canary or the code, and no request has left 127.0.0.1. Script runs
only for axe-core's own checks, switched on for it alone.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from babel.support import Translations
from playwright.sync_api import CDPSession, Page

import keys.receipt
from intake.i18n import TRANSLATIONS_DIR
from review.workspace.models import Submission, Triage
from review.workspace.store import Workspace
from tests.browser.axe import axe_violations
from tests.browser.contexts import OpenContext
from tests.browser.desks import Operator, Reviewer, bundle_manifest, decrypted_member
from tests.browser.recorded import Recorded
from tests.browser.screenshots import screenshot
from tests.browser.sites import Intake
from tests.browser.steps import Upload, send_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERSIAN = Translations.load(str(TRANSLATIONS_DIR), ["fa"])
# What the reporter must read, as intake's catalog words it (msgids of intake/).
LATEST_STATUS = "We may contact you, in the way you asked."
FIRST_STATUS = "We are reading your report."
NOT_FOUND = (
    "We could not open a report with this code. Check each word and their order, then try again."
)
SENT_TITLE = "Added to your report"


def persian(msgid: str) -> str:
    """`msgid` in Persian; a missing translation would make the assertions meaningless."""
    translated: str = PERSIAN.gettext(msgid)
    assert translated != msgid, f"intake's Persian catalog lacks {msgid!r}"
    return translated


def canary(kind: str) -> str:
    """A string that must reach intake only as ciphertext."""
    return f"canary-{kind}-{secrets.token_hex(12)}"


def assert_nothing_in_the_clear(intake: Intake, recorded: Recorded, *secrets: str) -> None:
    """No secret in any file intake keeps, in its TMPDIR or its log; nothing left 127.0.0.1."""
    scanned = [p for root in (intake.data_dir, intake.tmpdir) for p in root.rglob("*")]
    files = [p for p in scanned if p.is_file()] + [intake.log]
    assert any(p.name == "intake.sqlite3" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (secret, path)
    # No address, of the loopback client or any other, reaches the log.
    assert "127.0.0.1" not in intake.log.read_text(errors="replace")
    assert recorded.hosts() <= {"127.0.0.1"}, recorded.hosts()


def carriers(recorded: Recorded, secret: str) -> list[tuple[str, str]]:
    """The requests whose URL or body carried `secret`, as typed or form-encoded."""
    forms = {secret.encode(), quote_plus(secret).encode()}
    return [
        (method, url)
        for method, url, body in recorded.requests
        if any(form in body or form.decode() in url for form in forms)
    ]


def script_off(page: Page) -> CDPSession:
    """Switch script off in `page` the way Playwright's java_script_enabled=False does
    (DevTools' Emulation.setScriptExecutionDisabled), but in a form axe may lift."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    return cdp


def assert_accessible(page: Page, cdp: CDPSession, axe_core: Path, name: str) -> None:
    """axe-core finds no WCAG A/AA violation; script is on for axe alone, then off again."""
    assert page.locator("html").get_attribute("lang") == "fa", name
    assert page.locator("html").get_attribute("dir") == "rtl", name
    assert page.evaluate("() => document.scripts.length") == 0, name
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})
    try:
        found: list[dict[str, Any]] = axe_violations(page, axe_core)
    finally:
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    assert found == [], (name, found)


def test_a_persian_reporter_reads_replies_and_adds_a_follow_up_without_javascript(
    open_context: OpenContext,
    recorded: Recorded,
    own_intake: Intake,
    axe_core: Path,
    tmp_path: Path,
) -> None:
    intake = own_intake
    report_secret, reply_secret, follow_up_secret = (
        canary(kind) for kind in ("report", "reply", "follow-up")
    )
    # Script is off from the first page on; bypass_csp lets axe's script tag in when
    # it alone is switched on. The pages themselves send no script at all.
    page = open_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=True, bypass_csp=True
    )
    cdp = script_off(page)

    # 1. A report, in Persian chosen from the language chooser.
    page.goto(f"{intake.url}/")
    page.click("nav.languages a[lang='fa']")
    page.click("a.button[href='/report']")
    code = send_report(page, narrative=f"مرا تا خانه تعقیب کردند. {report_secret}", uploads=[])
    screenshot(page, "checkback-1-receipt")
    assert page.locator("html").get_attribute("lang") == "fa"
    assert carriers(recorded, report_secret) == [("POST", f"{intake.url}/report")]
    assert_nothing_in_the_clear(intake, recorded, report_secret, code)

    # 2. Picked up, imported, answered twice, and the signed replies loaded on intake.
    operator = Operator(intake)
    (tmp_path / "alice").mkdir()
    alice = Reviewer(tmp_path / "alice", operator)
    first_pickup = operator.pickup(tmp_path / "pickup-1.tar")
    alice.import_bundle(first_pickup)
    (case_id,) = alice.cases()
    reply_text = f"از شما سپاسگزاریم. لطفاً عکس‌ها را بفرستید. {reply_secret}"
    alice.reply(case_id, status="reading", text=reply_text)
    alice.reply(case_id, status="may_contact")
    replies = alice.send_replies(tmp_path / "replies-1.tar")
    assert len(bundle_manifest(replies)["replies"]) == 2
    operator.trust(alice.signing_key())
    operator.load_replies(replies)
    assert_nothing_in_the_clear(intake, recorded, report_secret, reply_secret, code)

    # 3. Back in the browser: a wrong code gets the one generic answer, in Persian.
    page.goto(f"{intake.url}/")
    page.click("a[href='/check']")
    assert page.locator("html").get_attribute("lang") == "fa"  # the choice was remembered
    screenshot(page, "checkback-2-form")
    assert_accessible(page, cdp, axe_core, "check")
    page.fill("#code", keys.receipt.generate_receipt_code())
    page.click("main form button[type=submit]")
    assert page.locator(".error-summary").inner_text().count(persian(NOT_FOUND)) == 1
    assert page.input_value("#code") == ""
    assert page.locator(".reply").count() == 0
    screenshot(page, "checkback-3-wrong-code")
    assert_accessible(page, cdp, axe_core, "wrong-code")

    # The right code opens both replies, in order, and the latest status in Persian.
    page.fill("#code", code)
    page.click("main form button[type=submit]")
    assert page.locator(".status").inner_text() == persian(LATEST_STATUS)
    shown = page.locator("ol.replies > li.reply")
    assert shown.count() == 2
    assert shown.nth(0).locator(".reply-status").inner_text() == persian(FIRST_STATUS)
    assert shown.nth(0).locator(".reply-text").inner_text() == reply_text  # as written
    assert shown.nth(0).locator(".reply-text").get_attribute("dir") == "auto"
    assert shown.nth(1).locator(".reply-status").inner_text() == persian(LATEST_STATUS)
    assert shown.nth(1).locator(".reply-text").count() == 0  # a status alone
    screenshot(page, "checkback-4-replies")
    assert_accessible(page, cdp, axe_core, "replies")
    # The code was posted to /check alone; the reply's words came only as a response.
    assert carriers(recorded, code) == [("POST", f"{intake.url}/check")]
    assert carriers(recorded, reply_secret) == []

    # A follow-up with a file and a consent change, and its confirmation.
    follow_up_text = f"دیروز دوباره به مادرم زنگ زدند. {follow_up_secret}"
    call_log = Upload("call-log.txt", "text/plain", f"09:14 +98 21 {follow_up_secret}\n".encode())
    page.fill("#message", follow_up_text)
    page.check("#change_consent")
    for value in ("ngos", "lawyers"):
        page.check(f"input[name=consent][value={value}]")
    page.set_input_files("#attachments", files=[call_log.as_playwright()])
    page.locator("form[action='/check/follow-up'] button[type=submit]").click()
    assert page.locator("h1").inner_text() == persian(SENT_TITLE)
    screenshot(page, "checkback-5-sent")
    assert_accessible(page, cdp, axe_core, "sent")
    posted = carriers(recorded, follow_up_secret)
    assert posted == [("POST", f"{intake.url}/check/follow-up")]
    ((_, _, body),) = [r for r in recorded.requests if r[1] == f"{intake.url}/check/follow-up"]
    assert body.count(follow_up_secret.encode()) == 2, "the recorder did not see the file"
    every_secret = (report_secret, reply_secret, follow_up_secret, code)
    assert_nothing_in_the_clear(intake, recorded, *every_secret)

    # 4. The second pickup (version 4) carries the follow-up, which joins the same case.
    second_pickup = operator.pickup(tmp_path / "pickup-2.tar")
    manifest = bundle_manifest(second_pickup)
    assert manifest["version"] == 4
    (entry,) = manifest["submissions"]
    assert (entry["follows"], entry["reply_recipient"]) == (case_id, None)
    prefix = f"submissions/{entry['id']}/"
    document = json.loads(
        decrypted_member(second_pickup, prefix + "report.age", identity=intake.reviewer)
    )
    assert document["format"] == "haven-follow-up" and document["follows"] == case_id
    assert (document["language"], document["message"]) == ("fa", follow_up_text)
    assert document["consent"] == {"consent": ["ngos", "lawyers"], "police_country": ""}
    (attachment,) = document["attachments"]
    assert attachment["original_name"] == "call-log.txt"
    stored = decrypted_member(second_pickup, prefix + attachment["file"], identity=intake.reviewer)
    assert stored == call_log.data
    alice.import_bundle(second_pickup)
    assert alice.cases() == [case_id]  # one case, not two
    with Workspace.open(alice.workspace) as workspace, workspace.sessions() as session:
        joined = session.get(Submission, entry["id"])
        assert joined is not None and joined.follows == case_id
        triage = session.get(Triage, case_id)
        assert triage is not None and triage.news is True
    assert_nothing_in_the_clear(intake, recorded, *every_secret)
