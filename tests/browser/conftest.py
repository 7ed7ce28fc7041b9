"""Fixtures of the real-browser suite: intake served for real, a neutral site, Debian's Chromium.

Everything listens on 127.0.0.1 and Chromium resolves no host name, so no test
traffic can leave the machine; every request the browser makes is recorded and
checked against that.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

import keys
from tests.browser.contexts import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, new_context
from tests.browser.recorded import Recorded
from tests.browser.sites import (
    MAX_FILES,
    SMALL_TEXT_CHARS,
    SMALL_UPLOAD_BYTES,
    Intake,
    NeutralSite,
)
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS, require

# `npm install axe-core@4 --prefix tests/browser/.cache` (what .ci/run does), or any copy.
AXE_CORE = Path(
    os.environ.get(
        "HAVEN_AXE_CORE",
        Path(__file__).parent / ".cache" / "node_modules" / "axe-core" / "axe.min.js",
    )
)
# One worker process is plenty for one browser; threads so a drained 413 blocks nothing.
SERVE_OPTIONS = ("--workers", "1", "--threads", "4")


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[NeutralSite]:
    """A neutral page on 127.0.0.1 that the quick exit is configured to send reporters to."""
    site = NeutralSite(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.received.append({"path": self.path, **dict(self.headers.items())})
            body = b"<!doctype html><title>Weather</title><h1>Weather</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{server.server_address[1]}/weather"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@contextmanager
def serving_intake(
    workdir: Path,
    reviewer: keys.X25519Identity | keys.HybridIdentity,
    neutral_site: NeutralSite,
    settings: dict[str, str] | None = None,
) -> Iterator[Intake]:
    """`haven intake init` and `haven intake serve --plain-http` on a free loopback port,
    with `settings` (HAVEN_* variables) over the suite's own."""
    data_dir = workdir / "data"
    # A TMPDIR of its own, so whatever intake might spool can be searched for plaintext.
    tmpdir = workdir / "tmp"
    tmpdir.mkdir(parents=True)
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "HAVEN_QUICK_EXIT_URL": neutral_site.url,
        "HAVEN_MAX_FILES": str(MAX_FILES),
        **(settings or {}),
    }
    command = [sys.executable, "-c", "from haven.cli import main; main()", "intake"]
    subprocess.run(
        [*command, "init", "--data-dir", str(data_dir)],
        env=env, check=True, capture_output=True, timeout=WAIT_SECONDS,
    )  # fmt: skip
    (data_dir / "recipients.txt").write_text(f"{reviewer.recipient()}\n")
    port = free_port()
    serve = [*command, "serve", "--data-dir", str(data_dir), "--plain-http", *SERVE_OPTIONS,
             "--port", str(port)]  # fmt: skip
    log = workdir / "server.log"
    with serving("intake", serve, port=port, log=log, env=env) as server:
        yield Intake(url=server.url, data_dir=data_dir, reviewer=reviewer, tmpdir=tmpdir, log=log)


@pytest.fixture(scope="session")
def intake(tmp_path_factory: pytest.TempPathFactory, neutral_site: NeutralSite) -> Iterator[Intake]:
    """One intake for the session's browser tests, its reviewer a classic X25519 key."""
    workdir = tmp_path_factory.mktemp("browser")
    with serving_intake(workdir, keys.X25519Identity.generate(), neutral_site) as served:
        yield served


@pytest.fixture(scope="module")
def small_intake(
    tmp_path_factory: pytest.TempPathFactory, neutral_site: NeutralSite
) -> Iterator[Intake]:
    """An intake whose limits a test reaches with small files and short answers."""
    settings = {"HAVEN_MAX_UPLOAD_BYTES": str(SMALL_UPLOAD_BYTES),
                "HAVEN_MAX_TEXT_CHARS": str(SMALL_TEXT_CHARS)}  # fmt: skip
    workdir = tmp_path_factory.mktemp("small-limits")
    with serving_intake(workdir, keys.X25519Identity.generate(), neutral_site, settings) as served:
        yield served


@pytest.fixture
def own_intake(tmp_path: Path, neutral_site: NeutralSite) -> Iterator[Intake]:
    """An intake of the test's own, whose every byte at rest the test may search and pick
    up; its reviewer holds a hybrid post-quantum key, the default for new reviewers."""
    reviewer = keys.HybridIdentity.generate()
    with serving_intake(tmp_path / "intake", reviewer, neutral_site) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (never `playwright install`)."""
    require(CHROMIUM.exists(), f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_core() -> Path:
    """axe-core's browser bundle, installed from npm outside the repository."""
    require(
        AXE_CORE.is_file(),
        f"{AXE_CORE} not found (npm install axe-core@4 --prefix tests/browser/.cache)",
    )
    return AXE_CORE


@pytest.fixture
def recorded() -> Recorded:
    """The requests of the test's browser contexts."""
    return Recorded()


@pytest.fixture
def open_context(
    browser: Browser, recorded: Recorded, intake: Intake, neutral_site: NeutralSite
) -> Iterator[Any]:
    """Open browser contexts like Tor Browser at "Safest" (no JavaScript), recording requests."""
    contexts: list[BrowserContext] = []

    def open_(**options: Any) -> Page:
        context = new_context(browser, **{"java_script_enabled": False, **options})
        context.on("request", recorded.record)
        context.route("**/*", recorded.guard)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    # Whatever the test did, nothing left 127.0.0.1.
    assert recorded.hosts() <= {"127.0.0.1"}, recorded.hosts()
