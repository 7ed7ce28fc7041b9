"""Servers the suite runs as processes, on a free loopback port, waited for until they answer."""

from __future__ import annotations

import http.client
import socket
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import WAIT_SECONDS, WAIT_VARIABLE, wait_until

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A server process serving HTTP on 127.0.0.1:`port`, its output going to `log`."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def answers(self) -> bool:
        """Whether a request for / gets an HTTP response, of any status."""
        # A refused connection returns at once; one that is accepted waits for the
        # app to boot, and ends early if the process dies (its sockets close).
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=WAIT_SECONDS)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()
        return True

    def wait_until(self, condition: Callable[[], bool], *, failure: str) -> None:
        """Wait for `condition`, failing at once with the server's output if it exits."""
        wait_until(condition, failure=failure, process=self.process, output=self.log)

    def stop(self) -> None:
        """Terminate the server and reap it, killing it if it does not go in time."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"{self.name} ignored SIGTERM for {WAIT_SECONDS:g} s ({WAIT_VARIABLE})")


@contextmanager
def serving(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    log: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Run `command`, which serves HTTP on 127.0.0.1:`port`, for the duration of the block.

    The block starts once the server answers. If the process exits first, the
    test fails at once and shows what it wrote to `log`.
    """
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            list(command), stdout=log_file, stderr=subprocess.STDOUT, env=env
        )
    server = Server(name=name, process=process, port=port, log=log)
    try:
        server.wait_until(server.answers, failure=f"{name} did not start answering on {server.url}")
        yield server
    finally:
        server.stop()
