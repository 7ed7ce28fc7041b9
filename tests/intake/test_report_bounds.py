"""Every value a reporter supplies is bounded, and the report document fits what review accepts."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from contracts.report import MAX_CONTENT_TYPE_CHARS, MAX_FILE_NAME_CHARS
from tests.intake import multipart
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import engine_of, stored_files, submissions


def _post_files(client: FlaskClient, files: list[tuple[bytes, str]]) -> tuple[int, str]:
    token = csrf_token(client)
    body = multipart.body(
        [multipart.field("csrf_token", token),
         *(multipart.file_part(name, b"", content_type) for name, content_type in files)]
    )
    response = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    return response.status_code, response.get_data(as_text=True)


def test_the_reviews_reproduction_is_refused_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    # Four empty attachments with 60,000-character content types of control
    # characters made a 1.4 MB report.age that review refused, with its bundle.
    hostile = "a/" + "\x01" * 60_000
    status, page = _post_files(client, [(f"e{n}.txt".encode(), hostile) for n in range(4)])
    assert status == 400
    assert "Nothing was saved" in page
    assert submissions(engine_of(app)) == {}


@pytest.mark.parametrize(
    "content_type",
    ["a/" + "b" * (MAX_CONTENT_TYPE_CHARS - 1), "text/plain\x7f", "text/pl\x00ain", "t/\u00e9"],
)
def test_a_content_type_over_the_bound_or_not_printable_ascii_is_refused(
    app: Flask, client: FlaskClient, content_type: str
) -> None:
    status, _ = _post_files(client, [(b"e.txt", content_type)])
    assert status == 400
    assert submissions(engine_of(app)) == {}


def test_values_at_the_bounds_are_kept(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    content_type = "a/" + "b" * (MAX_CONTENT_TYPE_CHARS - 2)
    name = "n" * MAX_FILE_NAME_CHARS
    status, _ = _post_files(client, [((name + "tail").encode(), content_type)])
    assert status == 200
    (submission_id,) = submissions(engine_of(app))
    report = json.loads(
        keys.decrypt(stored_files(engine_of(app), submission_id)["report.age"],
                     identities=[reviewer])
    )
    (attachment,) = report["attachments"]
    assert attachment["content_type"] == content_type
    assert attachment["original_name"] == name, "names are cut to the contract's bound"


def test_a_report_document_over_the_bound_comes_back_with_everything_typed(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound is lowered so a small report exceeds it: what is tested is that the
    # refusal happens, keeps nothing and keeps what was typed, not the bound's size.
    monkeypatch.setattr("intake.publishing.MAX_DOCUMENT_BYTES", 2000)
    response = client.post(
        "/report",
        content_type=MULTIPART,
        data={
            "csrf_token": csrf_token(client),
            "narrative": "They came again " * 200,
            "city": "Lyon",
            "attachments": [(io.BytesIO(b"evidence"), "e.pdf", "application/pdf")],
        },
        follow_redirects=True,
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert "Your report is too long to send in one piece." in page
    assert 'value="Lyon"' in page and "They came again They came again" in page
    assert "files you attached were not kept" in page
    assert submissions(engine_of(app)) == {}


def test_the_refusal_is_in_the_reporters_language(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("intake.publishing.MAX_DOCUMENT_BYTES", 100)
    token = csrf_token(client)
    response = client.post(
        "/report",
        content_type=MULTIPART,
        headers={"Accept-Language": "fr"},
        data={"csrf_token": token, "narrative": "x" * 200},
        follow_redirects=True,
    )
    assert response.status_code == 413
    assert re.search("Votre signalement est trop long", response.get_data(as_text=True))
