"""Intake served for real by `haven intake serve` (gunicorn), and a small HTTP client for it."""

from __future__ import annotations

import http.client
import os
import re
import socket
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.intake import multipart
from tests.servers import Server, free_port, serving
from tests.support import WAIT_SECONDS


@dataclass(frozen=True)
class Served:
    """A running intake server and the places it could leave traces in."""

    server: Server
    data_dir: Path
    tmpdir: Path

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def log(self) -> Path:
        return self.server.log


def serve(
    data_dir: Path,
    workdir: Path,
    *,
    threads: int = 4,
    settings: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """Run `haven intake serve` (with HAVEN_* `settings`) until the generator is closed."""
    port = free_port()
    tmpdir = workdir / "tmp"
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, **(settings or {}), "TMPDIR": str(tmpdir)}
    command = [
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
        str(threads),
    ]
    log = workdir / f"server-{port}.log"
    with serving("intake", command, port=port, log=log, env=env) as server:
        yield Served(server=server, data_dir=data_dir, tmpdir=tmpdir)


class Reporter:
    """One browser session: the form's cookie and CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
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
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_SECONDS)
        connection.request("POST", "/report" + query, body=body, headers=self.headers(len(body)))
        response = connection.getresponse()
        status, page = self.followed(connection, response)
        connection.close()
        return status, page.decode()

    def followed(
        self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse
    ) -> tuple[int, bytes]:
        """The answer to a POST, its 303 followed as a browser does; (status, page).

        A report sent is answered 303 to /receipt, the code in a one-time cookie; one
        sent back, 303 to the form, its draft's ticket in a one-time cookie.
        """
        page = response.read()
        if response.status != 303:
            return response.status, page
        cookies = dict([self.cookie.split("=", 1)])
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                if cookie_value:
                    cookies[cookie_name] = cookie_value
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        connection.request("GET", response.getheader("Location", ""), headers={"Cookie": cookie})
        followed = connection.getresponse()
        return followed.status, followed.read()


def exchange(port: int, request: bytes) -> bytes:
    """Send `request` as it stands on a fresh connection; return all the server answered.

    The server may close the connection with part of a refused request unread,
    which resets it: whatever arrived before the reset is the answer.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) as connection:
        connection.sendall(request)
        return answer_of(connection)


def answer_of(connection: socket.socket) -> bytes:
    """Everything the server sends on `connection` before it closes or resets it."""
    received = bytearray()
    while True:
        try:
            data = connection.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        received += data
    return bytes(received)


def response_head(answer: bytes) -> tuple[int, dict[str, str]]:
    """The status and headers (names lowercased) of the raw HTTP response `answer`."""
    head, separator, _body = answer.partition(b"\r\n\r\n")
    assert separator, answer[:200]
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        assert name.lower() not in headers, f"{name} sent twice"
        headers[name.lower()] = value.strip()
    return int(status_line.split()[1]), headers
