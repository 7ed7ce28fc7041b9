"""What intake's log says under `haven intake serve`: that something failed, never who or when."""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

import keys
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.served import Reporter, Served, serve
from tests.support import WAIT_SECONDS

CANARY = "canary-5d0e2f7a-request-data"
CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}:\d{2}")
LOOKUP_OR_SUBMISSION_ID = re.compile(r"\b[0-9a-f]{32}(?:[0-9a-f]{32})?\b")


@pytest.fixture
def served(tmp_path: Path, reviewer: keys.X25519Identity) -> Iterator[Served]:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    yield from serve(data_dir, tmp_path)


def refuse_publication(database: Path) -> None:
    """Make every publication fail inside the server, as a broken database would.

    A text-only report is published by one INSERT of its row (intake/staging.py).
    """
    connection = sqlite3.connect(database)
    connection.execute(
        "CREATE TRIGGER refuse_publication BEFORE INSERT ON submissions "
        "BEGIN SELECT RAISE(ABORT, 'publication refused by the test'); END"
    )
    connection.commit()
    connection.close()


def wait_for_log(served: Served, *needles: str) -> str:
    """The server's log, once every one of `needles` is in it."""
    served.server.wait_until(
        lambda: all(needle in served.log.read_text() for needle in needles),
        failure=f"the server log did not show {needles}",
    )
    return served.log.read_text()


@pytest.mark.slow
def test_the_log_names_no_address_time_or_request_data(served: Served) -> None:
    # A request gunicorn cannot parse, quoting the canary in its request line.
    with socket.create_connection(("127.0.0.1", served.port), timeout=WAIT_SECONDS) as raw:
        raw.sendall(f"GET /{CANARY} HTTP/1.1 not-a-request-line\r\n\r\n".encode())
        raw.recv(4096)

    # A request that makes the view fail after the receipt is derived: the failed
    # INSERT's bound values are the lookup id, the reply recipient and the id.
    refuse_publication(served.data_dir / "intake.sqlite3")
    reporter = Reporter(served.port)
    body = multipart.body(
        [multipart.field("csrf_token", reporter.token), multipart.field("narrative", CANARY)]
    )
    status, _ = reporter.submit(body, query=f"?{CANARY}=1")
    assert status == 500

    log = wait_for_log(served, "Invalid request", "Exception on /report [POST]")
    # Both failures are on record, so the checks below look at real log lines.
    assert "Invalid request refused" in log
    assert "Exception on /report [POST]" in log
    assert "IntegrityError (message withheld)" in log
    assert "127.0.0.1" not in log
    assert not CLOCK_TIME.search(log), CLOCK_TIME.search(log)
    assert CANARY not in log
    assert "age1pq1" not in log
    assert not LOOKUP_OR_SUBMISSION_ID.search(log), LOOKUP_OR_SUBMISSION_ID.search(log)


@pytest.mark.slow
def test_serving_an_older_data_directory_creates_its_pickup_signing_key(served: Served) -> None:
    # prepare_data_dir makes no key, like `init` before bundles were signed.
    assert (served.data_dir / "pickup_signing_key").stat().st_mode & 0o777 == 0o600
