"""`haven review courier`'s client against a stand-in server: what it sends, writes and refuses."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyotp
import pytest

from contracts import courier as contract
from review.courier import CourierLogin, code_from_secret_file, fetch_bundle, read_credential
from review.errors import CourierError

CREDENTIAL = "alice:" + "A" * 43
LOGIN = CourierLogin(credential=CREDENTIAL, code="123456")


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers as the test sets `answer`; remembers what it was sent."""

    answer: ClassVar[tuple[int, dict[str, str], bytes]] = (200, {}, b"")
    # Header names lowercased: urllib sends them capitalised its own way.
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        StandIn.seen.append(
            {**{name.lower(): value for name, value in self.headers.items()}, "path": self.path}
        )
        status, headers, body = StandIn.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandIn.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_bundle_is_written_whole_with_the_credentials_sent(
    stand_in: str, tmp_path: Path
) -> None:
    StandIn.answer = (200, {"Content-Length": "5"}, b"tar!!")
    out = tmp_path / "bundle.tar"
    assert fetch_bundle(stand_in + "/", LOGIN, out, again=["ab" * 16]) is True
    assert out.read_bytes() == b"tar!!"
    (request,) = StandIn.seen
    assert request[contract.CREDENTIAL_HEADER.lower()] == CREDENTIAL
    assert request[contract.TOTP_HEADER.lower()] == "123456"
    assert request["path"] == f"{contract.PICKUP_PATH}?again={'ab' * 16}"
    assert list(tmp_path.iterdir()) == [out]


def test_a_cut_short_download_writes_nothing(stand_in: str, tmp_path: Path) -> None:
    StandIn.answer = (200, {"Content-Length": "100", "Connection": "close"}, b"part")
    out = tmp_path / "bundle.tar"
    with pytest.raises(CourierError):
        fetch_bundle(stand_in, LOGIN, out)
    assert list(tmp_path.iterdir()) == []


def test_nothing_new_writes_nothing(stand_in: str, tmp_path: Path) -> None:
    StandIn.answer = (204, {}, b"")
    assert fetch_bundle(stand_in, LOGIN, tmp_path / "bundle.tar") is False
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_is_not_followed(stand_in: str, tmp_path: Path) -> None:
    # Following it would send the credential and code to wherever intake's impostor says.
    StandIn.answer = (302, {"Location": "http://198.51.100.1/steal", "Content-Length": "0"}, b"")
    with pytest.raises(CourierError, match="redirect"):
        fetch_bundle(stand_in, LOGIN, tmp_path / "bundle.tar")
    assert len(StandIn.seen) == 1


def test_intakes_reason_is_shown(stand_in: str, tmp_path: Path) -> None:
    body = b'{"error": "the TOTP code is wrong"}'
    StandIn.answer = (401, {"Content-Length": str(len(body))}, body)
    with pytest.raises(CourierError, match=r"intake refused \(401\): the TOTP code is wrong"):
        fetch_bundle(stand_in, LOGIN, tmp_path / "bundle.tar")


def test_an_existing_file_and_other_schemes_are_refused(tmp_path: Path) -> None:
    existing = tmp_path / "bundle.tar"
    existing.write_bytes(b"keep")
    with pytest.raises(CourierError, match="already exists"):
        fetch_bundle("http://127.0.0.1:9", LOGIN, existing)
    assert existing.read_bytes() == b"keep"
    with pytest.raises(CourierError, match="http:// or https://"):
        fetch_bundle("file:///etc", LOGIN, tmp_path / "other.tar")


def test_credential_and_secret_files(tmp_path: Path) -> None:
    credential = tmp_path / "credential"
    credential.write_text(CREDENTIAL + "\n")
    assert read_credential(credential) == CREDENTIAL
    credential.write_text("not a credential\n")
    with pytest.raises(CourierError, match="does not hold a courier credential"):
        read_credential(credential)
    secret = pyotp.random_base32()
    secret_file = tmp_path / "totp"
    secret_file.write_text(pyotp.TOTP(secret).provisioning_uri(name="alice") + "\n")
    assert code_from_secret_file(secret_file, now=lambda: 59.0) == pyotp.TOTP(secret).at(59)
    secret_file.write_text(pyotp.TOTP(secret, digits=8).provisioning_uri(name="alice"))
    with pytest.raises(CourierError, match="TOTP parameters"):
        code_from_secret_file(secret_file)
