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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

import keys
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS, require

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = REPOSITORY / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
# `npm install axe-core@4 --prefix tests/browser/.cache` (what .ci/run does), or any copy.
AXE_CORE = Path(
    os.environ.get(
        "HAVEN_AXE_CORE",
        Path(__file__).parent / ".cache" / "node_modules" / "axe-core" / "axe.min.js",
    )
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces for "nothing leaves the machine": no proxy, and no host name
    # resolves, so only the IP literals of the local servers can be reached.
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# Small limits so the 413 page is reachable with tiny files.
MAX_FILES = 3
# One worker process is plenty for one browser; threads so a drained 413 blocks nothing.
SERVE_OPTIONS = ("--workers", "1", "--threads", "4")


@dataclass(frozen=True)
class Intake:
    """intake served by `haven intake serve`, and the reviewer who can read what it stores."""

    url: str
    data_dir: Path
    reviewer: keys.X25519Identity


@dataclass
class NeutralSite:
    """A throwaway local stand-in for the quick exit's neutral site, recording what it is sent."""

    url: str
    received: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Recorded:
    """Every request one browser context made: method, URL and posted body."""

    requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    def record(self, request: Request) -> None:
        self.requests.append((request.method, request.url, request.post_data_buffer or b""))

    def guard(self, route: Route) -> None:
        # Routing every request also makes Chromium hand over multipart bodies with
        # files, which it otherwise withholds from the request event.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname or url for _, url, _ in self.requests}


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


@pytest.fixture(scope="session")
def intake(tmp_path_factory: pytest.TempPathFactory, neutral_site: NeutralSite) -> Iterator[Intake]:
    """`haven intake init` and `haven intake serve --plain-http` on a free loopback port."""
    workdir = tmp_path_factory.mktemp("browser")
    data_dir = workdir / "data"
    env = {
        **os.environ,
        "HAVEN_QUICK_EXIT_URL": neutral_site.url,
        "HAVEN_MAX_FILES": str(MAX_FILES),
    }
    command = [sys.executable, "-c", "from haven.cli import main; main()", "intake"]
    subprocess.run([*command, "init", "--data-dir", str(data_dir)], env=env, check=True,
                   timeout=WAIT_SECONDS)
    reviewer = keys.X25519Identity.generate()
    (data_dir / "recipients.txt").write_text(f"{reviewer.recipient()}\n")
    port = free_port()
    serve = [*command, "serve", "--data-dir", str(data_dir), "--plain-http", *SERVE_OPTIONS,
             "--port", str(port)]  # fmt: skip
    with serving("intake", serve, port=port, log=workdir / "server.log", env=env) as server:
        yield Intake(url=server.url, data_dir=data_dir, reviewer=reviewer)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (never `playwright install`)."""
    require(CHROMIUM.exists(), f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
        context = browser.new_context(**{"java_script_enabled": False, **options})
        context.on("request", recorded.record)
        context.route("**/*", recorded.guard)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    # Whatever the test did, nothing left 127.0.0.1.
    assert recorded.hosts() <= {"127.0.0.1"}, recorded.hosts()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Keep a screenshot of this step under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)
