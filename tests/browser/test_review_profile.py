"""What a triage session leaves in the reviewer's browser profile: none of the case data typed.

docs/review.md promises that search terms, tags, notes and corrected
categories never reach the review machine's disk in plaintext. The browser is
the part of that promise the server does not hold: Chromium keeps form entries
(its autofill table), the state of each page's fields (session restore files),
history and cache in the profile directory. So a real Chromium with a
persistent profile, JavaScript off as the review app needs, goes through a
triage session; once it has closed and flushed its profile, every file in it is
searched for what was typed, in UTF-8 and in UTF-16 (how Chromium writes some
strings), and for the passphrase.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

import keys
from tests.browser.contexts import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, patient
from tests.browser.profiles import canary, found_in
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS

pytestmark = pytest.mark.browser

PASSPHRASE = "profile canary passphrase " + secrets.token_hex(8)
# The lowest scrypt work factor `haven review serve` accepts (2^16).
WORK_FACTOR = 16


@dataclass(frozen=True)
class Served:
    """A workspace of one case, served by `haven review serve`."""

    url: str
    identity_file: Path
    case_id: str


def _haven(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from haven.cli import main; main()", "review", *args],
                   check=True, capture_output=True, timeout=WAIT_SECONDS)  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One case for alice, imported and served on a free loopback port."""
    workdir = tmp_path_factory.mktemp("review-profile")
    workspace = workdir / "workspace"
    alice = keys.X25519Identity.generate()
    identity_file = workdir / "alice.identity.age"
    keys.write_identity_file(identity_file, [alice], passphrase=PASSPHRASE, work_factor=WORK_FACTOR)
    _haven("init", "--workspace", str(workspace), "--intake-key", str(INTAKE_KEY.public_key()))
    _haven("add-reviewer", "--workspace", str(workspace), "--name", "alice",
           "--recipient", str(alice.recipient()))  # fmt: skip
    case = encrypted_submission(
        {"narrative": "They called my brother in Urumqi.", "categories": ["family_pressure"],
         "state": "China", "country": "DE"},
        recipients=[alice.recipient()],
    )  # fmt: skip
    _haven("import", str(BundleWriter([case]).write(workdir / "b.tar")),
           "--workspace", str(workspace))  # fmt: skip
    port = free_port()
    log = workdir / "server.log"
    command = [sys.executable, "-c", "from haven.cli import main; main()", "review", "serve",
               "--workspace", str(workspace), "--port", str(port)]  # fmt: skip
    with serving("review", command, port=port, log=log):
        yield Served(f"http://127.0.0.1:{port}", identity_file, case.id)


def _triage_session(page: Page, served: Served, canaries: dict[str, str]) -> None:
    """Unlock, search, tag, note, correct categories, link, and move about, as a reviewer does."""
    page.goto(f"{served.url}/unlock")
    page.set_input_files("#identity", str(served.identity_file))
    page.fill("#passphrase", PASSPHRASE)
    page.click("main form button[type=submit]")
    assert page.url == f"{served.url}/", page.url
    page.fill("#q", canaries["search"])
    page.click("form.search button[type=submit]")
    assert page.locator("#q").input_value() == canaries["search"]
    page.goto(f"{served.url}/case/{served.case_id}")
    page.fill("#tags", canaries["tag"])
    page.locator("form", has=page.locator("#tags")).locator("button").click()
    page.fill("#note", canaries["note"])
    page.click("#add-note")
    # Categories are ticked, not typed: nothing of them is text a form field could keep.
    page.check("#category-informant")
    page.locator("form", has=page.locator("#category-informant")).locator(
        "button", has_text="Save categories").click()
    page.wait_for_load_state()
    assert page.locator("#category-informant").is_checked()
    assert canaries["note"] in page.content() and canaries["tag"] in page.content()
    page.fill("#other", canaries["link"])
    page.locator("form", has=page.locator("#other")).locator("button").click()
    page.goto(f"{served.url}/")
    page.fill("#bulk-tags", canaries["bulk_tag"])
    page.check(f"input[value='{served.case_id}']")
    page.click("fieldset.bulk button[value=tag]")
    page.goto(f"{served.url}/dashboard")
    page.go_back()
    page.go_back()


def test_a_triage_session_leaves_no_case_data_in_the_browser_profile(
    browser: Browser, served: Served, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    canaries = {kind: canary(kind) for kind in
                ("search", "tag", "note", "link", "bulk_tag")}  # fmt: skip
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, java_script_enabled=False,
        timeout=TIMEOUT_MS)
    patient(context)
    try:
        _triage_session(context.pages[0] if context.pages else context.new_page(), served,
                        canaries)
    finally:
        # Closing is what makes Chromium write its session, history and autofill out.
        context.close()
    assert any(profile.rglob("*Session*")) or any(profile.rglob("History")), "no profile written"
    leaks = {kind: found_in(profile, text) for kind, text in
             [*canaries.items(), ("passphrase", PASSPHRASE)]}  # fmt: skip
    assert not any(leaks.values()), {kind: files for kind, files in leaks.items() if files}
