"""Checking back through the Flask test client: the code form, the results, the follow-up."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CAPABILITY = re.compile(r'id="capability" name="capability" type="hidden" value="([^"]+)"')


CSRF_BYTES = re.compile(rb'(name="csrf_token" type="hidden" value=")[^"]+(")')


def without_csrf_token(page: TestResponse) -> bytes:
    """The page's bytes with its one CSRF token masked.

    Flask-WTF signs each token it renders with the time in whole seconds, so two
    renders of the same page a second apart differ there and nowhere else.
    """
    masked, count = CSRF_BYTES.subn(rb"\1(token)\2", page.get_data())
    assert count == 1, f"expected one CSRF token on the page, found {count}"
    return masked


def check_csrf(client: FlaskClient) -> str:
    match = CSRF.search(client.get("/check").get_data(as_text=True))
    assert match, "the check-back form carries no CSRF token"
    return match.group(1)


def check_back(client: FlaskClient, code: str | bytes, **extra: Any) -> TestResponse:
    """POST a receipt code as the check-back form does; the page its 303 leads to.

    Every answer of POST /check is a 303 (intake/checkback_views.py): its history
    entry in a browser is then a GET, with no body holding the code.
    """
    data = {"csrf_token": check_csrf(client), "code": code, **extra}
    return client.post("/check", data=data, follow_redirects=True)


def capability_of(page: TestResponse) -> str:
    match = CAPABILITY.search(page.get_data(as_text=True))
    assert match, "the results page carries no capability"
    return match.group(1)
