"""Every route of intake answers with the security headers, redirects included.

The headers come from one after-request hook (intake/headers.py); this walks the
app's own URL map, so a route added later is held to them without being named
here, and adds the 303s that the forms now answer every POST with.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.intake.checkback import check_csrf
from tests.intake.forms import csrf_token
from tests.intake.headers import SECURITY_HEADERS


def _assert_headers(response: TestResponse, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (where, name)


def test_every_get_route_answers_with_the_headers(app: Flask, client: FlaskClient) -> None:
    paths = sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and not rule.arguments
    )  # fmt: skip
    assert "/check/results" in paths and "/report" in paths
    for path in paths:
        _assert_headers(client.get(path), path)


def test_the_redirects_of_the_forms_answer_with_the_headers(client: FlaskClient) -> None:
    language = client.post("/report/language", data={
        "csrf_token": csrf_token(client), "narrative": "a story", "lang": "fr"})  # fmt: skip
    assert language.status_code == 303
    _assert_headers(language, "/report/language")
    wrong = client.post("/check", data={"csrf_token": check_csrf(client), "code": "not a code"})
    assert wrong.status_code == 303
    _assert_headers(wrong, "/check")
