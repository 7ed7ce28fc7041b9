"""The report form as the Flask test client submits it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

MULTIPART = "multipart/form-data"


def csrf_token(client: FlaskClient) -> str:
    """Load the form and return its CSRF token (setting the session cookie)."""
    page = client.get("/report").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def redirected_once(response: TestResponse) -> TestResponse:
    """`response` (of a POST sent with follow_redirects=True), checked to be a 303's GET.

    Every POST of a form answers 303, never with a page (intake/form_again.py): its
    history entry in a browser is then a GET, with no body holding the answers.
    """
    assert [step.status_code for step in response.history] == [303], response.history
    assert response.request.method == "GET"
    return response
