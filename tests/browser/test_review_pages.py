"""The review app served for real: every page, JavaScript off, screenshotted and run through axe.

`haven review init`, `add-reviewer`, `import` and `serve` build and serve a
workspace on a free loopback port, with a signed bundle of cases in several
scripts (one urgent, one right to left, one with a photo carrying a location).
A reviewer unlocks with a passphrase-protected identity file at the lowest work
factor review accepts (2^16), then visits every page. Pages are loaded with
script execution disabled (the app sends none, and its CSP forbids it); only
for the axe check is script turned on, and only axe's own runs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page

import keys
from review.web.i18n import available_languages, language_tag, text_direction
from tests.browser.axe import axe_violations
from tests.browser.contexts import new_context, patient
from tests.browser.recorded import Recorded
from tests.browser.screenshots import screenshot
from tests.review.bundles import INTAKE_KEY, BundleWriter, Submission, encrypted_submission
from tests.review.photos import jpeg_with_gps
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS, require

pytestmark = pytest.mark.browser

PASSPHRASE = "correct horse battery staple"
# The lowest scrypt work factor `haven review serve` accepts (2^16).
WORK_FACTOR = 16
# A 13-inch laptop's browser window.
LAPTOP = {"width": 1280, "height": 800}
# English, a right-to-left language and a script of its own (issue 13).
LANGUAGES = ["en", "ar", "bo"]
PAGES = [
    "unlock", "unlock-failed", "inbox", "inbox-filtered", "inbox-bulk", "case-urgent",
    "case-rtl", "case-refused", "dashboard", "audit", "not-found", "locked",
]  # fmt: skip


@dataclass(frozen=True)
class Served:
    """The review app served by `haven review serve`, and what the test knows of its cases."""

    url: str
    identity_file: Path
    outsider_file: Path
    cases: dict[str, str]


def _haven(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from haven.cli import main; main()", "review", *args],
                   check=True, capture_output=True, timeout=WAIT_SECONDS)  # fmt: skip


def _photo(browser: Browser) -> bytes:
    """A real, decodable JPEG (Chromium encodes it) carrying the EXIF of `jpeg_with_gps`."""
    page = browser.new_page(viewport={"width": 320, "height": 200})
    patient(page)
    try:
        page.set_content(
            "<body style='margin:0;block-size:100vh;"
            "background:linear-gradient(160deg,#7a9cc6,#e2d3b5 60%,#8a7a5c)'>"
        )
        picture = page.screenshot(type="jpeg", quality=70)
    finally:
        page.close()
    # The APP1 (EXIF) segment of the hand-made JPEG, spliced in after the real one's SOI.
    exif = jpeg_with_gps()
    app1 = exif[2 : 4 + int.from_bytes(exif[4:6], "big")]
    assert picture[:2] == b"\xff\xd8" and app1[:2] == b"\xff\xe1"
    return picture[:2] + app1 + picture[2:]


def _cases(recipient: keys.Recipient, photo: bytes) -> dict[str, Submission]:
    """Cases a reviewer meets in a week: several scripts, two urgent, one photo."""
    to = [recipient]
    return {
        "urgent": encrypted_submission(
            {
                "narrative": "他们在巴黎跟踪我，还给我在新疆的母亲打电话。电话 +33 6 12 34 56 78",
                "categories": ["surveillance", "family_pressure"],
                "state": "China",
                "country": "FR",
                "contact_wanted": True,
            },
            recipients=to,
            urgent=True,
            language="zh-Hans",
            received_day="2025-03-02",
        ),
        "rtl": encrypted_submission(
            {
                "narrative": "ئۇلار مېنىڭ ئائىلەمگە تەھدىت سالدى. تېلېفون +33 6 12 34 56 78",
                "categories": ["family_pressure", "threats"],
                "state": "China",
                "country": "DE",
                "contact": {"channel": "signal", "handle": "@rustem.42"},
            },
            recipients=to,
            language="ug",
            received_day="2025-02-10",
            attachments=[
                ("سۈرەت.jpg", "image/jpeg", photo),
                ("letter.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n"),
            ],
        ),
        "plain": encrypted_submission(
            {
                "narrative": "A man called from +33612345678 and threatened my family.",
                "categories": ["threats"],
                "state": "China",
                "country": "FR",
            },
            recipients=to,
            received_day="2025-02-01",
        ),
        "persian": encrypted_submission(
            {
                "narrative": "مرا در فرودگاه استانبول بازجویی کردند و گذرنامه‌ام را گرفتند.",
                "categories": ["documents", "foreign_systems"],
                "state": "Iran",
                "country": "TR",
            },
            recipients=to,
            language="fa",
            received_day="2025-01-20",
        ),
        "russian": encrypted_submission(
            {
                "narrative": "Мне угрожали через родственников в Грозном.",
                "categories": ["family_pressure"],
                "state": "Russia",
                "country": "DE",
            },
            recipients=to,
            urgent=True,
            language="ru",
            received_day="2025-03-05",
        ),
        "tibetan": encrypted_submission(
            {
                "narrative": "ང་ལ་ཁ་པར་ཐོག་ནས་ཉེན་བརྡ་བཏང་།",
                "categories": ["threats", "hacking"],
                "state": "China",
                "country": "IN",
            },
            recipients=to,
            language="bo",
            received_day="2024-12-28",
        ),
        "smears": encrypted_submission(
            {
                "narrative": "Fake accounts post my address and call me a traitor every day.",
                "categories": ["online_harassment"],
                "state": "Rwanda",
                "country": "BE",
            },
            recipients=to,
            received_day="2025-01-11",
        ),
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Served]:
    """A workspace with alice and a signed bundle imported, served on a free loopback port."""
    workdir = tmp_path_factory.mktemp("review-browser")
    workspace = workdir / "workspace"
    alice = keys.HybridIdentity.generate()
    identity_file = workdir / "alice.identity.age"
    keys.write_identity_file(identity_file, [alice], passphrase=PASSPHRASE, work_factor=WORK_FACTOR)
    outsider_file = workdir / "outsider.identity.age"
    keys.write_identity_file(
        outsider_file,
        [keys.X25519Identity.generate()],
        passphrase=PASSPHRASE,
        work_factor=WORK_FACTOR,
    )
    _haven("init", "--workspace", str(workspace), "--intake-key", str(INTAKE_KEY.public_key()))
    _haven(
        "add-reviewer",
        "--workspace",
        str(workspace),
        "--name",
        "alice",
        "--recipient",
        str(alice.recipient()),
    )
    cases = _cases(alice.recipient(), _photo(browser))
    bundle = BundleWriter(list(cases.values())).write(workdir / "bundle.tar")
    _haven("import", str(bundle), "--workspace", str(workspace))
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from haven.cli import main; main()",
        "review",
        "serve",
        "--workspace",
        str(workspace),
        "--port",
        str(port),
    ]
    with serving("review", command, port=port, log=workdir / "server.log") as server:
        yield Served(
            server.url,
            identity_file,
            outsider_file,
            {name: s.id for name, s in cases.items()},
        )


def _unlock(page: Page, identity_file: Path, passphrase: str = PASSPHRASE) -> None:
    page.set_input_files("#identity", str(identity_file))
    page.fill("#passphrase", passphrase)
    page.click("main form button[type=submit]")


def pages(page: Page, served: Served, language: str = "en") -> Iterator[str]:
    """Visit every review page in turn in `language`, yielding each page's name once shown.

    The language is chosen with the chooser's link on the unlock page; every step
    after it finds its control by id or value, never by its (translated) words.
    """
    page.goto(f"{served.url}/")
    assert page.url.endswith("/unlock")
    page.click(f"nav.languages a[hreflang='{language_tag(language)}']")
    assert page.url.endswith("/unlock"), page.url
    yield "unlock"
    _unlock(page, served.outsider_file)
    assert page.locator(".flash-error").count() == 1
    yield "unlock-failed"
    _unlock(page, served.identity_file)
    assert page.url == f"{served.url}/", page.url
    yield "inbox"
    page.fill("#q", "China")
    page.click("form.search button[type=submit]")
    page.locator(".facets button[value='category=threats']").first.click()
    yield "inbox-filtered"
    page.goto(f"{served.url}/")
    page.check(f"input[value='{served.cases['plain']}']")
    page.check(f"input[value='{served.cases['smears']}']")
    page.select_option("#bulk-status", "in_review")
    page.click("fieldset.bulk button[value=status]")
    page.wait_for_load_state()
    assert page.locator(".flash").count() == 1
    yield "inbox-bulk"
    page.goto(f"{served.url}/case/{served.cases['urgent']}")
    yield "case-urgent"
    page.goto(f"{served.url}/case/{served.cases['rtl']}")
    yield "case-rtl"
    page.fill("#other", "0" * 32)
    page.locator("form", has=page.locator("#other")).locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".flash-error").count() == 1
    yield "case-refused"
    page.goto(f"{served.url}/dashboard")
    yield "dashboard"
    page.click("header nav a[href='/audit']")
    page.wait_for_load_state()
    assert page.locator("table.audit tbody tr").count() > 1
    yield "audit"
    page.goto(f"{served.url}/case/{'0' * 32}")
    yield "not-found"
    page.click("header form button[type=submit]")
    assert page.url.endswith("/unlock")
    yield "locked"


def _axe(page: Page, cdp: CDPSession, axe_core: Path) -> list[dict[str, Any]]:
    """Run axe-core in `page`: script is enabled for axe alone, then disabled again."""
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})
    try:
        found = axe_violations(page, axe_core)
    finally:
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_review_page_is_accessible_without_javascript(
    browser: Browser, axe_core: Path, served: Served, language: str
) -> None:
    # English always; Arabic (right to left) and Tibetan once their catalogs are in
    # review/translations: skipped until then, and failed under HAVEN_STRICT_TESTS=1.
    require(language in available_languages(), f"no review catalog for {language} yet")
    recorded = Recorded()
    # bypass_csp lets axe's script tag in; the pages themselves never get to run script.
    context = new_context(browser, viewport=LAPTOP, bypass_csp=True)
    context.on("request", recorded.record)
    context.route("**/*", recorded.guard)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        seen: dict[str, list[dict[str, Any]]] = {}
        for name in pages(page, served, language):
            html = page.locator("html")
            assert html.get_attribute("lang") == language_tag(language), name
            assert html.get_attribute("dir") == text_direction(language), name
            assert page.evaluate("() => document.scripts.length") == 0, name
            # The skip link is the first thing a keyboard reaches, and it is seen when focused.
            page.keyboard.press("Tab")
            assert page.evaluate("() => document.activeElement.className") == "skip-link", name
            page.evaluate("() => document.activeElement.blur()")
            if name.startswith("case-"):
                _assert_mirrored(page, text_direction(language))
            screenshot(page, f"review-{name}" if language == "en" else f"review-{language}-{name}")
            seen[name] = _axe(page, cdp, axe_core)
        assert list(seen) == PAGES
        assert {name: found for name, found in seen.items() if found} == {}
    finally:
        context.close()
    assert recorded.hosts() <= {"127.0.0.1"}, recorded.hosts()


def _assert_mirrored(page: Page, direction: str) -> None:
    """The case page's triage panel sits at the end of the line: right, or left in RTL."""
    main = page.locator(".case-main").bounding_box()
    panel = page.locator("aside.triage").bounding_box()
    assert main is not None and panel is not None
    if direction == "rtl":
        assert panel["x"] + panel["width"] <= main["x"], (panel, main)
    else:
        assert main["x"] + main["width"] <= panel["x"], (main, panel)


def test_urgent_cases_are_marked_in_words_not_colour_alone(
    browser: Browser, served: Served
) -> None:
    context = new_context(browser, viewport=LAPTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{served.url}/unlock")
        _unlock(page, served.identity_file)
        urgent = page.locator("tbody tr.urgent")
        assert urgent.count() == 2
        for row in urgent.all():
            assert re.search(r"Immediate danger", row.inner_text())
        # Urgent cases come first.
        first_two = page.locator("tbody tr").nth(0), page.locator("tbody tr").nth(1)
        assert all("urgent" in (row.get_attribute("class") or "") for row in first_two)
    finally:
        context.close()
