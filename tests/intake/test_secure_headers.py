"""SecureHeaders: the security headers on every response, replacing the app's, and no Server."""

from __future__ import annotations

from flask import Flask, Response

from intake.headers import HSTS, SECURITY_HEADERS, SecureHeaders


def wrapped(*, https: bool) -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def page() -> Response:
        response = Response("page")
        # What a view or Flask's static files may set under the same names.
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.headers["x-frame-options"] = "SAMEORIGIN"
        response.headers["Server"] = "Werkzeug/3"
        return response

    app.wsgi_app = SecureHeaders(app.wsgi_app, https=https)  # type: ignore[method-assign]
    return app


def test_every_security_header_once_with_its_value_and_no_server() -> None:
    response = wrapped(https=False).test_client().get("/")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.getlist(name) == [value], name
    assert "Server" not in response.headers
    assert "Strict-Transport-Security" not in response.headers
    assert response.get_data() == b"page"


def test_hsts_over_https_and_for_unknown_paths_too() -> None:
    client = wrapped(https=True).test_client()
    for path in ("/", "/no-such-page"):
        response = client.get(path)
        assert response.headers.getlist("Strict-Transport-Security") == [HSTS], path
        assert response.headers["Content-Security-Policy"] == SECURITY_HEADERS[
            "Content-Security-Policy"
        ]
