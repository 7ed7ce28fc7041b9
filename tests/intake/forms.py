"""The report form as the Flask test client submits it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

MULTIPART = "multipart/form-data"


def csrf_token(client: FlaskClient) -> str:
    """Load the form and return its CSRF token (setting the session cookie)."""
    page = client.get("/report").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)
