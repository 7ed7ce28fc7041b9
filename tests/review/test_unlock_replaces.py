"""A new unlock from an unlocked browser locks the session it replaces."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from review.web.state import EXTENSION_KEY, HANDLE_FIELD
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer


def _handle(client: FlaskClient) -> str:
    with client.session_transaction() as cookie_session:
        handle = cookie_session[HANDLE_FIELD]
    assert isinstance(handle, str)
    return handle


def test_unlocking_again_locks_the_earlier_session(app: Flask, client: FlaskClient,
                                                   alice: Reviewer, bob: Reviewer) -> None:
    vault = app.extensions[EXTENSION_KEY].vault
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    assert unlock(client, alice) == 302
    first_handle = _handle(client)
    first_cookie = client.get_cookie(cookie_name)
    assert first_cookie is not None and vault.get(first_handle) is not None

    assert unlock(client, bob) == 302
    assert _handle(client) != first_handle
    # Locked, not merely forgotten by this browser: alice's identity left the vault.
    assert vault.get(first_handle) is None
    assert len(vault) == 1
    assert all(held.reviewer == "bob" for held in vault._sessions.values())

    # Whoever kept the first cookie is sent to the unlock page.
    other = app.test_client()
    other.set_cookie(cookie_name, first_cookie.value)
    response = other.get("/")
    assert response.status_code == 302 and response.location.endswith("/unlock")
    assert client.get("/").status_code == 200
