"""The worker's per-connection work done once where gunicorn did it per connection or pass.

Each test here fails on the worker as it was: it waited for a connection's first
bytes with an epoll selector built for the purpose, built a poller for every
read, and touched its heartbeat file on every pass of its main loop.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from gunicorn.config import Config

import intake.pacing
import intake.worker
from intake.pacing import Pace, PacedReceiver
from intake.worker import HEARTBEAT_SECONDS, HavenWorker, PacedConnection

PACE = Pace(header_seconds=10, min_bytes_per_second=100, window_seconds=10)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    with server, client:
        yield server, client


def no_selector(*_args: Any) -> None:
    raise AssertionError("a selector was built to wait for one socket")


def test_a_connection_waits_for_its_first_bytes_with_one_poll(
    pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = pair
    monkeypatch.setattr("selectors.DefaultSelector", no_selector)
    conn = PacedConnection(Config(), server, ("127.0.0.1", 1), ("127.0.0.1", 2), pace=PACE)
    assert conn.wait_for_data(0) is False  # nothing sent yet
    client.sendall(b"GET / HTTP/1.1\r\n")
    assert conn.wait_for_data(5) is True
    assert conn.data_ready
    assert server.recv(100) == b"GET / HTTP/1.1\r\n"
    # Once its bytes were seen, gunicorn does not wait again (a deferred connection).
    assert conn.wait_for_data(0) is True


def test_a_connection_whose_client_hung_up_is_ready_and_a_closed_one_is_not(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    conn = PacedConnection(Config(), server, ("127.0.0.1", 1), ("127.0.0.1", 2), pace=PACE)
    client.close()
    assert conn.wait_for_data(5) is True  # the read then finds the end, as gunicorn's did
    other = PacedConnection(Config(), socket.socket(), ("127.0.0.1", 1), None, pace=PACE)
    other.sock.close()
    assert other.wait_for_data(0) is False


def test_a_receiver_builds_one_poller_for_all_its_reads(
    pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = pair
    built: list[object] = []
    real_poll = select.poll

    def counted_poll() -> Any:
        poller = real_poll()
        built.append(poller)
        return poller

    monkeypatch.setattr(intake.pacing.select, "poll", counted_poll)
    receiver = PacedReceiver(server, PACE)
    for piece in (b"GET / HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
        client.sendall(piece)
        assert receiver.recv(100) == piece
    receiver.start_body()
    client.sendall(b"body")
    assert receiver.recv(100) == b"body"
    assert len(built) == 1


class Heartbeat:
    def __init__(self) -> None:
        self.beats = 0

    def notify(self) -> None:
        self.beats += 1


def test_the_heartbeat_file_is_touched_once_a_second_at_most(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [5000.0]
    monkeypatch.setattr(intake.worker.time, "monotonic", lambda: now[0])
    worker = HavenWorker.__new__(HavenWorker)  # no arbiter: only notify is exercised
    worker.tmp = Heartbeat()
    for _ in range(100):  # a hundred passes of the main loop at one instant
        worker.notify()
    assert worker.tmp.beats == 1
    now[0] += HEARTBEAT_SECONDS / 2
    worker.notify()
    assert worker.tmp.beats == 1
    now[0] += HEARTBEAT_SECONDS / 2
    worker.notify()
    assert worker.tmp.beats == 2
