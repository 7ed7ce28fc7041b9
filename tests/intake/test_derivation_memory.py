"""A derivation the kernel refuses memory for is "busy, try again", never a 500.

Argon2id maps its 19 MiB itself (keys/argon2_memory.py). If the mapping is
refused, the report comes back with its answers and a try-again message (like a
full derivation gate), and a check back gets the busy page.
"""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from keys import argon2_memory
from keys.receipt import generate_receipt_code
from tests.intake import multipart
from tests.intake.checkback import check_back
from tests.intake.forms import csrf_token, redirected_once
from tests.intake.storage import engine_of, submissions


@pytest.fixture
def no_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(_size: int) -> object:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(argon2_memory.BLOCKS, "lend", refused)


def test_a_report_gets_its_form_back_when_argon2_gets_no_memory(
    app: Flask, client: FlaskClient, no_memory: None
) -> None:
    body = multipart.body([
        multipart.field("csrf_token", csrf_token(client)),
        multipart.field("narrative", "what happened to my brother"),
    ])  # fmt: skip
    response = client.post(
        "/report", input_stream=io.BytesIO(body), content_type=multipart.CONTENT_TYPE,
        environ_overrides={"wsgi.input_terminated": True}, follow_redirects=True,
    )  # fmt: skip
    page = redirected_once(response).get_data(as_text=True)
    assert response.status_code == 503
    assert "Many people are sending reports right now" in page
    assert "what happened to my brother" in page
    assert submissions(engine_of(app)) == {}


def test_a_check_back_is_told_to_try_again_when_argon2_gets_no_memory(
    client: FlaskClient, no_memory: None
) -> None:
    busy = check_back(client, generate_receipt_code())
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "60"
    assert b"try again" in busy.get_data()
