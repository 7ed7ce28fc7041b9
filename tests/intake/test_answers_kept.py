"""Every refusal sends the form back with every typed answer; files are named, to choose again."""

from __future__ import annotations

import dataclasses
import html
import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import create_app
from tests.intake import multipart
from tests.intake.forms import csrf_token, redirected_once
from tests.intake.storage import engine_of, submissions

STORY = "They came to my door at night. 他们晚上来敲门。"
CITY = "Berlin"
MIB = 1 << 20


def _answers(token: str) -> list[bytes]:
    # In the form's order: every text field before the file input, as a browser sends it.
    return [
        multipart.field("csrf_token", token),
        multipart.field("categories", "threats"),
        multipart.field("narrative", STORY),
        multipart.field("city", CITY),
        multipart.field("contact_wanted", "no"),
    ]


def _assert_every_answer_kept(page: str) -> None:
    page = html.unescape(page)
    assert STORY in page
    assert f'value="{CITY}"' in page
    assert re.search(r'<input checked[^>]*value="threats"', page)
    assert "Please attach them again" in page


def _post(client: FlaskClient, body: bytes) -> tuple[int, str]:
    response = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    # The POST answers 303 (its history entry keeps no body); the GET shows the form.
    redirected_once(response)
    return response.status_code, response.get_data(as_text=True)


def test_too_many_files_keeps_the_answers_and_names_the_files(
    app: Flask, client: FlaskClient
) -> None:
    count = app.extensions["haven_intake"].config.max_files + 1
    files = [multipart.file_part(f"photo-{n}.jpg".encode(), b"x") for n in range(count)]
    status, page = _post(client, multipart.body([*_answers(csrf_token(client)), *files]))
    assert status == 413
    _assert_every_answer_kept(page)
    assert "up to 20 files" in page
    assert "<bdi>photo-0.jpg</bdi>" in page
    assert "split it into several smaller files" in page
    assert submissions(engine_of(app)) == {}


@pytest.fixture
def small(app: Flask) -> Iterator[Flask]:
    """Intake accepting 1 MiB in all, so the limit is reached with small bodies."""
    config = dataclasses.replace(app.extensions["haven_intake"].config, max_upload_bytes=MIB)
    small = create_app(config)
    yield small
    small.extensions["haven_intake"].engine.dispose()


def test_a_body_over_the_limit_keeps_the_answers(small: Flask) -> None:
    client = small.test_client()
    big = multipart.file_part(b"video.mp4", b"\0" * (MIB + 1))
    body = multipart.body([*_answers(csrf_token(client)), big])
    # Without a Content-Length the limit is met while reading, in the file.
    response = client.post(
        "/report",
        input_stream=io.BytesIO(body),
        content_type=multipart.CONTENT_TYPE,
        environ_overrides={"wsgi.input_terminated": True},
        follow_redirects=True,
    )
    assert redirected_once(response).status_code == 413
    page = response.get_data(as_text=True)
    _assert_every_answer_kept(page)
    assert "up to 1 MB in all" in page
    assert "<bdi>video.mp4</bdi>" in page
    assert submissions(engine_of(small)) == {}


def test_a_body_declared_over_the_limit_keeps_the_answers(small: Flask) -> None:
    client = small.test_client()
    big = multipart.file_part(b"video.mp4", b"\0" * (MIB + 1))
    status, page = _post(client, multipart.body([*_answers(csrf_token(client)), big]))
    assert status == 413
    _assert_every_answer_kept(page)
    assert "up to 1 MB in all" in page
    assert submissions(engine_of(small)) == {}


@pytest.mark.parametrize("char", ["a", "\U0001f600"])
def test_an_answer_too_long_to_hold_is_cut_marked_and_the_rest_kept(
    app: Flask, client: FlaskClient, char: str
) -> None:
    # Past four bytes a character the receiver keeps only the beginning; even when that
    # beginning is within the character limit (four-byte characters) it is refused.
    chars = app.extensions["haven_intake"].config.max_text_chars
    long_text = char * (chars * 4 + 10)
    parts = [*_answers(csrf_token(client))]
    parts[2] = multipart.field("narrative", long_text)
    parts.append(multipart.field("safe_times", "evenings"))
    status, page = _post(client, multipart.body(parts))
    assert status == 413
    assert "Only its beginning is shown here" in page
    assert 'value="evenings"' in page and f'value="{CITY}"' in page
    assert submissions(engine_of(app)) == {}


def test_a_validation_error_keeps_the_answers(app: Flask, client: FlaskClient) -> None:
    parts = [*_answers(csrf_token(client))]
    parts[2] = multipart.field("narrative", "")
    parts.append(multipart.field("safe_times", "x" * 1000))
    status, page = _post(client, multipart.body([*parts, multipart.file_part(b"a.txt", b"a")]))
    assert status == 422
    assert re.search(r'<input checked[^>]*value="threats"', page) and "<bdi>a.txt</bdi>" in page
    assert submissions(engine_of(app)) == {}
