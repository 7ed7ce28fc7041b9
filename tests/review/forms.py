"""The review app's forms as a browser submits them: any page's CSRF token, and unlocking."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient

from tests.review.reviewers import PASSPHRASE, Reviewer


def csrf_token(client: FlaskClient, path: str = "/unlock") -> str:
    """The CSRF token of a page's form, as a browser would submit it."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def unlock(client: FlaskClient, reviewer: Reviewer, passphrase: str = PASSPHRASE) -> int:
    """Post the unlock form; returns the status code."""
    data = {
        "csrf_token": csrf_token(client),
        "passphrase": passphrase,
        "identity": (io.BytesIO(reviewer.identity_file.read_bytes()), "key.age"),
    }
    response = client.post("/unlock", data=data, content_type="multipart/form-data")
    return response.status_code
