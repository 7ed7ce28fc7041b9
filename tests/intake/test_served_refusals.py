"""What gunicorn answers by itself carries Haven's headers too, and nothing says `Server:`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gunicorn.http.errors import InvalidRequestMethod, InvalidResponseHeaderName, LimitRequestLine

import keys
from intake.headers import HSTS, SECURITY_HEADERS
from intake.worker import refusal_response, refusal_status
from tests.intake.datadir import prepare_data_dir
from tests.intake.served import Served, exchange, response_head, serve


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, reviewer: keys.X25519Identity
) -> Iterator[Served]:
    """One server for every request below: none of them changes what it stores."""
    workdir = tmp_path_factory.mktemp("served")
    data_dir = prepare_data_dir(workdir / "data", [str(reviewer.recipient())])
    yield from serve(data_dir, workdir)


HOST = b"Host: 127.0.0.1\r\n"
CLOSE = b"Connection: close\r\n"

# Each request, and the status a server must answer it with (gunicorn's own
# refusals, which never reach the app, and the app's answers beside them).
REQUESTS = {
    "page": (b"GET /report HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n", {200}),
    "stylesheet": (b"GET /static/intake.css HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n", {200}),
    "request line of 10 KB": (
        b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n",
        {414},
    ),
    "200 header lines": (
        b"GET / HTTP/1.1\r\n"
        + HOST
        + b"".join(b"X-Filler-%d: x\r\n" % n for n in range(200))
        + CLOSE
        + b"\r\n",
        {400, 431},
    ),
    "Content-Length with Transfer-Encoding": (
        b"POST /report HTTP/1.1\r\n"
        + HOST
        + CLOSE
        + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        {400},
    ),
    "unknown transfer coding": (
        b"POST /report HTTP/1.1\r\n" + HOST + CLOSE + b"Transfer-Encoding: gzip\r\n\r\n",
        {400, 501},
    ),
    "unknown method": (b"FROB / HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n", {400, 405, 501}),
    "lowercase method": (b"get / HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n", {400}),
    "bad Host label": (b"GET / HTTP/1.1\r\nHost: a..b\r\n" + CLOSE + b"\r\n", {400}),
    "invalid chunk size": (
        b"POST /report HTTP/1.1\r\n"
        + HOST
        + CLOSE
        + b"Content-Type: multipart/form-data; boundary=x\r\n"
        + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        {400},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", REQUESTS)
def test_every_answer_carries_the_headers_and_no_banner(served: Served, case: str) -> None:
    request, statuses = REQUESTS[case]
    status, headers = response_head(exchange(served.port, request))
    assert status in statuses
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, name
    assert "server" not in headers


def test_a_refusal_over_https_carries_hsts_and_quotes_nothing_of_the_request() -> None:
    status, reason = refusal_status(InvalidRequestMethod("<script>FROB"))
    answer = refusal_response(status, reason, https=True)
    assert (status, reason) == (400, "Bad Request")
    _status, headers = response_head(answer)
    assert headers["strict-transport-security"] == HSTS
    assert b"FROB" not in answer


def test_an_error_that_is_not_the_clients_is_a_500() -> None:
    assert refusal_status(RuntimeError("the app failed"))[0] == 500
    assert refusal_status(InvalidResponseHeaderName("bad name"))[0] == 500
    assert refusal_status(LimitRequestLine(10_000, 4094)) == (414, "URI Too Long")


@pytest.mark.slow
@pytest.mark.parametrize("close", [CLOSE, b""], ids=["close", "keep-alive"])
def test_a_broken_chunk_mid_upload_gets_the_400_page_once(served: Served, close: bytes) -> None:
    # A first chunk that is valid, so the app is reading the body when the bad one comes.
    answer = exchange(
        served.port,
        b"POST /report HTTP/1.1\r\n"
        + HOST
        + close
        + b"Content-Type: multipart/form-data; boundary=x\r\n"
        + b"Transfer-Encoding: chunked\r\n\r\n5\r\n--x\r\n\r\nzz\r\n",
    )
    status, _headers = response_head(answer)
    assert status == 400
    assert b"Your browser sent the form in a way we could not read." in answer
    # The connection ends with the page: gunicorn writes no refusal of its own after it.
    assert answer.count(b"HTTP/1.1 ") == 1
