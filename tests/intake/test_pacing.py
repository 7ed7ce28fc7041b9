"""The pacing rule for slow clients, on a real socket pair with a clock the test sets."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from intake.errors import ClientTooSlow
from intake.pacing import Pace, PacedReceiver

PACE = Pace(header_seconds=10, min_bytes_per_second=100, window_seconds=10)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    with server, client:
        yield server, client


def test_a_header_block_still_incomplete_at_its_deadline_is_cut_off(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    clock = Clock()
    receiver = PacedReceiver(server, PACE, clock=clock)
    client.sendall(b"POST / HTTP/1.1\r\n")
    assert receiver.recv(100) == b"POST / HTTP/1.1\r\n"
    clock.now += 9
    client.sendall(b"Host: x\r\n")
    assert receiver.recv(100) == b"Host: x\r\n"
    clock.now += 2  # 11 s after the first byte, and nothing more
    with pytest.raises(ClientTooSlow):
        receiver.recv(100)


def test_each_request_gets_its_own_header_deadline(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    clock = Clock()
    receiver = PacedReceiver(server, PACE, clock=clock)
    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    receiver.recv(100)
    receiver.start_body()
    clock.now += 60
    receiver.start_request()
    client.sendall(b"GET /next HTTP/1.1\r\n")
    assert receiver.recv(100) == b"GET /next HTTP/1.1\r\n"


def test_a_body_below_the_minimum_rate_is_cut_off_at_the_window_end(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    clock = Clock()
    receiver = PacedReceiver(server, PACE, clock=clock)
    receiver.start_body()
    client.sendall(b"x" * 999)  # one byte short of 100 B/s over 10 s
    assert len(receiver.recv(4096)) == 999
    clock.now += 10
    with pytest.raises(ClientTooSlow):
        receiver.recv(4096)


def test_a_body_at_the_minimum_rate_goes_on_window_after_window(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    clock = Clock()
    receiver = PacedReceiver(server, PACE, clock=clock)
    receiver.start_body()
    for _window in range(5):
        client.sendall(b"x" * 1000)
        assert len(receiver.recv(4096)) == 1000
        # The window ends with its 1000 bytes received, and the next opens. The
        # receiver's two steps are called directly: through recv, the new window
        # would be waited out on the real clock that poll(2) uses.
        clock.now += 10
        assert receiver._readable_before(clock.now) is False
        receiver._deadline_passed()


def test_a_closed_connection_reads_as_its_end_not_as_slowness(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    receiver = PacedReceiver(server, PACE, clock=Clock())
    receiver.start_body()
    client.close()
    assert receiver.recv(4096) == b""
