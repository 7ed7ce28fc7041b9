"""No request makes Werkzeug's form parser write a file part anywhere (intake/form_request.py).

An outside review put 8 MiB of its own bytes in a temporary file through POST
/check/hide: the route's form parsed a multipart body, spooling its file part to
disk past 500 KiB before the CSRF token was looked at. Files reach intake only
through the streaming receiver, which encrypts them first; every other POST is
sent a multipart body with a file part here, with and without a session.
"""

from __future__ import annotations

from typing import Any

import pytest
import werkzeug.formparser
from flask import Flask

from tests.intake.forms import csrf_token

BOUNDARY = "spooled"
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
# Past Werkzeug's 500 KiB, where a file part would leave memory for a temporary file.
FILE_BYTES = 1 << 20
CANARY = b"FORM-REQUEST-CANARY-"


def _multipart_with_a_file(token: str) -> bytes:
    data = (CANARY * (FILE_BYTES // len(CANARY) + 1))[:FILE_BYTES]
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="reply_id"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _post_routes(app: Flask) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "POST" in (rule.methods or ()) and "<" not in rule.rule})  # fmt: skip


@pytest.fixture
def spooled(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every temporary file Werkzeug's form parser makes from now on."""
    made: list[Any] = []
    original = werkzeug.formparser.SpooledTemporaryFile

    def recording(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", recording)
    return made


@pytest.mark.parametrize("with_session", [False, True])
def test_no_post_route_spools_a_file_part(
    app: Flask, spooled: list[Any], with_session: bool
) -> None:
    routes = _post_routes(app)
    assert "/check/hide" in routes and "/check" in routes and "/report" in routes
    for route in routes:
        client = app.test_client()
        token = csrf_token(client) if with_session else "none"
        response = client.post(
            route, data=_multipart_with_a_file(token), content_type=MULTIPART_TYPE
        )
        assert response.status_code < 500, (route, response.status_code)
        assert CANARY not in response.get_data(), route
    assert spooled == []


def test_a_file_part_to_a_form_route_gets_the_malformed_page(app: Flask) -> None:
    client = app.test_client()
    response = client.post(
        "/check/hide", data=_multipart_with_a_file(csrf_token(client)), content_type=MULTIPART_TYPE
    )
    assert response.status_code == 400
    assert "Your browser sent the form in a way we could not read" in response.get_data(
        as_text=True
    )


def test_text_parts_are_still_read_from_multipart(app: Flask) -> None:
    """Only file parts are refused: a form's text sent as multipart still reaches the route."""
    client = app.test_client()
    token = csrf_token(client)
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="code"\r\n\r\nnot a code\r\n'
        f"--{BOUNDARY}--\r\n"
    ).encode()
    response = client.post("/check", data=body, content_type=MULTIPART_TYPE)
    # The code was read and opened nothing: back to the code form, as for any wrong code.
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/check")
