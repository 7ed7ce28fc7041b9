"""News shows up by itself: a bundle imported while a reviewer is unlocked, on the next load.

`haven review serve` runs in one process with alice unlocked in Chromium
(JavaScript off); `haven review import` runs in another, as a reviewer would
from a second terminal. Reloading the inbox shows the new cases and the
banner that says what came, an urgent one named as such; the page stays
axe-clean with the banner on it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

import keys
from tests.browser.axe import axe_violations
from tests.browser.contexts import new_context
from tests.browser.recorded import Recorded
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_follow_up, encrypted_submission
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS

pytestmark = pytest.mark.browser

PASSPHRASE = "correct horse battery staple"
# The lowest scrypt work factor `haven review serve` accepts (2^16).
WORK_FACTOR = 16


def _haven(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from haven.cli import main; main()", "review", *args],
                   check=True, capture_output=True, timeout=WAIT_SECONDS)  # fmt: skip


def _shown(page: Page) -> set[str]:
    return {box.get_attribute("value") or "" for box in page.locator("input[name=case]").all()}


def test_a_bundle_imported_while_unlocked_appears_on_the_next_load(
    browser: Browser, axe_core: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    alice = keys.HybridIdentity.generate()
    identity_file = tmp_path / "alice.identity.age"
    keys.write_identity_file(identity_file, [alice], passphrase=PASSPHRASE, work_factor=WORK_FACTOR)
    _haven("init", "--workspace", str(workspace), "--intake-key", str(INTAKE_KEY.public_key()))
    _haven("add-reviewer", "--workspace", str(workspace), "--name", "alice",
           "--recipient", str(alice.recipient()))  # fmt: skip
    to = [alice.recipient()]
    first = encrypted_submission({"narrative": "They followed me home from the station."},
                                 recipients=to, received_day="2025-03-01")
    _haven("import", str(BundleWriter([first]).write(tmp_path / "first.tar")),
           "--workspace", str(workspace))  # fmt: skip
    port = free_port()
    command = [sys.executable, "-c", "from haven.cli import main; main()", "review", "serve",
               "--workspace", str(workspace), "--port", str(port)]  # fmt: skip
    recorded = Recorded()
    with serving("review", command, port=port, log=tmp_path / "server.log") as server:
        # bypass_csp lets axe's script tag in; the pages themselves never get to run script.
        context = new_context(browser, bypass_csp=True)
        context.on("request", recorded.record)
        context.route("**/*", recorded.guard)
        try:
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
            page.goto(f"{server.url}/unlock")
            page.set_input_files("#identity", str(identity_file))
            page.fill("#passphrase", PASSPHRASE)
            page.click("main form button[type=submit]")
            assert page.url == f"{server.url}/", page.url
            assert _shown(page) == {first.id}
            assert page.locator(".arrivals").count() == 0

            urgent = encrypted_submission({"narrative": "Someone is outside my door now."},
                                          recipients=to, urgent=True, received_day="2025-03-02")
            calm = encrypted_submission({"narrative": "Ils m'ont appelé au travail."},
                                        recipients=to, language="fr", received_day="2025-03-02")
            more = encrypted_follow_up(first.id, "They came back last night.", recipients=to,
                                       received_day="2025-03-02")
            bundle = BundleWriter([urgent, calm, more]).write(tmp_path / "second.tar")
            # Another process, as from a second terminal: the server learns of it only
            # through the workspace.
            _haven("import", str(bundle), "--workspace", str(workspace))

            page.reload()
            assert _shown(page) == {first.id, urgent.id, calm.id}
            banner = page.locator(".arrivals")
            assert banner.count() == 1
            text = banner.inner_text()
            assert "2 new reports, 1 follow-up" in text, text
            assert "1 urgent" in text, text
            assert page.locator("tbody tr.urgent input[name=case]").get_attribute(
                "value") == urgent.id

            assert page.evaluate("() => document.scripts.length") == 0
            cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})
            assert axe_violations(page, axe_core) == []
            cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})

            page.click(".arrivals button[type=submit]")
            page.wait_for_load_state()
            assert page.url == f"{server.url}/", page.url
            assert page.locator(".arrivals").count() == 0
            page.goto(f"{server.url}/case/{first.id}")
            assert "They came back last night." in page.inner_text("main")
        finally:
            context.close()
    assert recorded.hosts() <= {"127.0.0.1"}, recorded.hosts()
