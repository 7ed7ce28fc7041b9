"""Slow clients cannot take the form down: they are cut off or told "busy", never waited on.

The server runs for real (gunicorn, Haven's worker) with small limits: 16 threads,
so 40 slow clients would hold every thread for good without the pacing of
intake/pacing.py. The rates leave wide margins both ways: the "slow" clients send
nothing at all once started, the steady upload sends a hundred times the minimum
rate, and every wait is on a condition, never on a duration.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import func, select

import keys
from intake.db import make_engine
from intake.models import Chunk, Submission
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.headers import SECURITY_HEADERS
from tests.intake.served import Reporter, Served, answer_of, response_head, serve
from tests.support import WAIT_SECONDS, wait_until

KIB = 1024
CANARY = b"HAVEN-SLOW-CANARY-5e0b13"
THREADS = 16
SLOW_CLIENTS = 40
# Five seconds per window, 1 KiB/s: the steady upload sends that much every 50 ms.
SETTINGS = {
    "HAVEN_HEADER_TIMEOUT_SECONDS": "5",
    "HAVEN_MIN_UPLOAD_BYTES_PER_SECOND": "1024",
    "HAVEN_UPLOAD_RATE_WINDOW_SECONDS": "5",
}

pytestmark = pytest.mark.slow


@pytest.fixture
def served(tmp_path: Path, reviewer: keys.X25519Identity) -> Iterator[Served]:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    yield from serve(data_dir, tmp_path, threads=THREADS, settings=SETTINGS)


def rows(served: Served, column: object) -> int:
    engine = make_engine(f"sqlite:///{served.data_dir / 'intake.sqlite3'}")
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count(column))).scalar_one())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def request_head(reporter: Reporter, length: int) -> bytes:
    lines = "".join(f"{name}: {value}\r\n" for name, value in reporter.headers(length).items())
    return f"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\n{lines}\r\n".encode()


def upload_body(reporter: Reporter, size: int) -> bytes:
    return multipart.body(
        [
            multipart.field("csrf_token", reporter.token),
            multipart.field("narrative", CANARY.decode()),
            multipart.file_part(b"video.mp4", (CANARY * (size // len(CANARY) + 1))[:size]),
        ]
    )


def submit_until_received(reporter: Reporter, body: bytes) -> str:
    """Submit `body`, again while the server answers "busy"; the receipt page."""
    outcome: list[tuple[int, str]] = []

    def received() -> bool:
        outcome[:] = [reporter.submit(body)]
        return outcome[0][0] != 503

    wait_until(received, failure="the submission was answered busy throughout")
    status, page = outcome[0]
    assert status == 200, page
    return page


def assert_haven_headers(answer: bytes) -> int:
    status, headers = response_head(answer)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (name, answer[:400])
    assert "server" not in headers
    return status


def test_a_submission_gets_its_receipt_while_40_slow_clients_hold_connections(
    served: Served,
) -> None:
    trickling = Reporter(served.port)
    body = upload_body(trickling, 64 * KIB)
    with ExitStack() as stack:
        clients = []
        for number in range(SLOW_CLIENTS):
            client = stack.enter_context(
                socket.create_connection(("127.0.0.1", served.port), timeout=WAIT_SECONDS)
            )
            if number % 2:
                # Headers, then the first bytes of the body, then nothing.
                client.sendall(request_head(trickling, len(body)) + body[:100])
            else:
                # Half a header block, then nothing.
                client.sendall(b"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ")
            clients.append(client)

        quick = Reporter(served.port)
        page = submit_until_received(
            quick,
            multipart.body(
                [
                    multipart.field("csrf_token", quick.token),
                    multipart.field("narrative", "quick"),
                ]
            ),
        )
        assert "receipt" in page.lower()

        # Every slow client got a real page with Haven's headers: cut off (408) or,
        # past the cap on concurrent uploads, "busy" (503).
        statuses = {assert_haven_headers(answer_of(client)) for client in clients}
        assert statuses <= {408, 503}
        assert 408 in statuses
    assert rows(served, Submission.id) == 1


def test_a_stalled_upload_is_cut_off_with_its_staged_rows(served: Served) -> None:
    reporter = Reporter(served.port)
    # Past intake's first 4 MiB batch of ciphertext (intake/staging.py), so that
    # staged rows exist when the upload stalls.
    body = upload_body(reporter, 8 * 1024 * KIB)
    with socket.create_connection(("127.0.0.1", served.port), timeout=WAIT_SECONDS) as client:
        client.sendall(request_head(reporter, len(body)) + body[: 6 * 1024 * KIB])
        served.server.wait_until(
            lambda: rows(served, Chunk.seq) >= 1, failure="the upload stored nothing"
        )
        # Silent from here on: below the minimum rate, the connection is closed.
        answer = answer_of(client)
    assert assert_haven_headers(answer) == 408
    assert "too slowly" in answer.decode()
    served.server.wait_until(
        lambda: rows(served, Submission.id) == 0 and rows(served, Chunk.seq) == 0,
        failure="the cut-off upload left staged rows",
    )
    assert_no_canary(served)


def test_a_slow_but_steady_upload_succeeds(served: Served) -> None:
    reporter = Reporter(served.port)
    body = upload_body(reporter, 512 * KIB)
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=WAIT_SECONDS)
    connection.putrequest("POST", "/report", skip_host=False)
    for name, value in reporter.headers(len(body)).items():
        connection.putheader(name, value)
    connection.endheaders()
    # 8 KiB every 50 ms: about 160 KiB/s, over a hundred times the minimum rate,
    # and a whole window (5 s) longer than the upload takes to fall below it.
    for start in range(0, len(body), 8 * KIB):
        connection.send(body[start : start + 8 * KIB])
        time.sleep(0.05)
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    # Published: the answer is the redirect to the one-time receipt page.
    assert response.status == 303, page
    assert response.getheader("Location", "").endswith("/receipt")
    assert rows(served, Submission.id) == 1
    assert_no_canary(served)


def assert_no_canary(served: Served) -> None:
    for place in (served.data_dir, served.tmpdir):
        for path in place.rglob("*"):
            if path.is_file():
                assert CANARY not in path.read_bytes(), path
