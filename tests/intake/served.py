"""Intake served for real by `haven intake serve` (gunicorn), and a small HTTP client for it."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.intake import multipart

START_TIMEOUT = 30


@dataclass(frozen=True)
class Served:
    """A running intake server and the places it could leave traces in."""

    port: int
    data_dir: Path
    tmpdir: Path
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(data_dir: Path, workdir: Path) -> Iterator[Served]:
    """Run `haven intake serve` until the generator is closed."""
    port = free_port()
    tmpdir = workdir / "tmp"
    tmpdir.mkdir()
    log = workdir / "server.log"
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from haven.cli import main; main()",
                "intake",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
                "--plain-http",
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert server.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "intake did not start"
                    time.sleep(0.1)
            yield Served(port=port, data_dir=data_dir, tmpdir=tmpdir, log=log)
        finally:
            server.terminate()
            server.wait(START_TIMEOUT)


class Reporter:
    """One browser session: the form's cookie and CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/report")
        response = connection.getresponse()
        page = response.read().decode()
        self.cookie = response.getheader("Set-Cookie", "").split(";")[0]
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match
        self.token = match.group(1)
        connection.close()

    def headers(self, length: int) -> dict[str, str]:
        return {
            "Cookie": self.cookie,
            "Content-Type": multipart.CONTENT_TYPE,
            "Content-Length": str(length),
        }

    def submit(self, body: bytes, *, query: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("POST", "/report" + query, body=body, headers=self.headers(len(body)))
        response = connection.getresponse()
        result = response.status, response.read().decode()
        connection.close()
        return result
