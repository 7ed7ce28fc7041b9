"""Intake under `haven intake serve`: headers on the wire, and no plaintext left anywhere."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

import keys
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.headers import SECURITY_HEADERS
from tests.intake.served import Reporter, Served, exchange, response_head, serve
from tests.support import WAIT_SECONDS

MIB = 1 << 20
CANARY = b"HAVEN-CANARY-7f3a9c1e-plaintext-must-never-touch-disk"


@pytest.fixture
def served(tmp_path: Path, reviewer: keys.X25519Identity) -> Iterator[Served]:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    yield from serve(data_dir, tmp_path)


def files_under(*roots: Path) -> list[Path]:
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


@pytest.mark.slow
def test_a_50_mib_canary_leaves_no_plaintext_on_disk(served: Served) -> None:
    reporter = Reporter(served.port)
    # The canary repeats through the whole file, so any spooled fragment would show it.
    attachment = (CANARY + b"\n") * (50 * MIB // (len(CANARY) + 1))
    status, page = reporter.submit(
        multipart.body(
            [
                multipart.field("csrf_token", reporter.token),
                multipart.field("narrative", CANARY.decode()),
                multipart.file_part(CANARY + b".bin", attachment),
            ]
        )
    )
    assert status == 200, page
    assert "receipt-code" in page
    scanned = [*files_under(served.data_dir, served.tmpdir), served.log]
    assert any(p.name == "intake.sqlite3" for p in scanned)
    assert sum(p.stat().st_size for p in scanned) > 50 * MIB  # the ciphertext is there
    for path in scanned:
        data = path.read_bytes()
        assert CANARY not in data, path
        assert CANARY[:16] not in data, path
    assert "127.0.0.1" not in served.log.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/", "/report", "/static/intake.css", "/missing"])
def test_the_served_site_sends_every_security_header(served: Served, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=WAIT_SECONDS)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    for name, value in SECURITY_HEADERS.items():
        assert response.getheader(name) == value, name
    connection.close()


@pytest.mark.slow
def test_oversize_over_the_wire_gets_the_413_page(tmp_path: Path, served: Served) -> None:
    reporter = Reporter(served.port)
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=WAIT_SECONDS)
    headers = reporter.headers(600 * MIB)
    connection.putrequest("POST", "/report")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    # Declared over the limit, the body is read as far as its first file, never
    # further, so the form comes back with the answers sent before it.
    connection.send(multipart.field("csrf_token", reporter.token))
    connection.send(multipart.field("narrative", "sent before the file"))
    # (more than one 64 KiB read, which waits for a full buffer)
    connection.send(multipart.file_part(b"video.mp4", b"x" * (256 * 1024)))
    # Sent back by a 303, as every refusal is, the form comes with the answers again.
    first = connection.getresponse()
    assert first.status == 303
    status, page = reporter.followed(connection, first)
    assert status == 413
    assert b"larger than this site accepts" in page and b"sent before the file" in page
    connection.close()


@pytest.mark.slow
def test_no_request_header_chooses_the_path_in_a_pages_links(served: Served) -> None:
    """Every peer is 127.0.0.1 behind Tor: gunicorn's default trust of it let any visitor
    set SCRIPT_NAME (and the scheme) by header, and so the path in every link of a page
    and a page cache's key."""
    for header in (b"SCRIPT_NAME: /chosen", b"SCRIPT-NAME: /chosen"):
        request = (b"GET /report HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header
                   + b"\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")  # fmt: skip
        answer = exchange(served.port, request)
        status, _headers = response_head(answer)
        assert status == 200
        assert b"/chosen" not in answer
        assert b'href="/static/intake.css' in answer
