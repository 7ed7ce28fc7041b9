"""Malformed requests the app sees get the 400 page in the reporter's language, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.intake import multipart
from tests.intake.forms import csrf_token
from tests.intake.headers import SECURITY_HEADERS
from tests.intake.storage import engine_of, submissions

# Host headers werkzeug cannot encode (IDNA): an empty label, one over 63 characters.
BAD_HOSTS = ["a..b", ".", "x" * 64 + ".example", "a..b:8080"]
# Boundaries a multipart Content-Type may declare but RFC 2046 does not allow; the
# first two arrive in RFC 2231 form, which werkzeug decodes.
BAD_BOUNDARIES = [
    "boundary*=UTF-8''%E2%82%AC",
    "boundary*=UTF-8''" + "b" * 201,
    'boundary="ends in a space "',
    'boundary="a<b>"',
]


def assert_the_400_page(response: TestResponse) -> None:
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'lang="fr"' in page and "Un problème est survenu" in page, "in the reporter's language"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("path", ["/", "/report", "/missing", "/static/intake.css"])
def test_a_bad_host_gets_the_400_page(client: FlaskClient, host: str, path: str) -> None:
    response = client.get(path, headers={"Host": host, "Accept-Language": "fr"})
    assert_the_400_page(response)


def test_a_report_sent_with_a_bad_host_is_refused_and_nothing_stored(
    app: Flask, client: FlaskClient
) -> None:
    body = multipart.body(
        [multipart.field("csrf_token", csrf_token(client)), multipart.field("narrative", "x")]
    )
    response = client.post(
        "/report",
        data=body,
        content_type=multipart.CONTENT_TYPE,
        headers={"Host": "a..b", "Accept-Language": "fr"},
        follow_redirects=True,
    )
    assert_the_400_page(response)
    assert submissions(engine_of(app)) == {}


@pytest.mark.parametrize("boundary", BAD_BOUNDARIES)
def test_a_boundary_rfc_2046_does_not_allow_gets_the_400_page(
    app: Flask, client: FlaskClient, boundary: str
) -> None:
    body = multipart.body(
        [multipart.field("csrf_token", csrf_token(client)), multipart.field("narrative", "x")]
    )
    response = client.post(
        "/report",
        data=body,
        content_type=f"multipart/form-data; {boundary}",
        headers={"Accept-Language": "fr"},
        follow_redirects=True,
    )
    assert_the_400_page(response)
    assert "sous une forme que nous n’avons pas pu lire" in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == {}


def test_a_boundary_in_rfc_2231_form_is_decoded_and_used(app: Flask, client: FlaskClient) -> None:
    body = multipart.body(
        [multipart.field("csrf_token", csrf_token(client)), multipart.field("narrative", "x")]
    )
    response = client.post(
        "/report",
        data=body,
        content_type=f"multipart/form-data; boundary*=UTF-8''{multipart.BOUNDARY}",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert list(submissions(engine_of(app)).values()) == ["published"]


def test_a_boundary_a_little_over_rfc_2046s_70_characters_is_accepted(
    app: Flask, client: FlaskClient
) -> None:
    """Werkzeug's own test client sends 71 at random; honest clients must not get a 400."""
    long_boundary = "-" * 15 + "WerkzeugFormPart_" + "1" * 39
    assert len(long_boundary) == 71
    body = multipart.body(
        [multipart.field("csrf_token", csrf_token(client)), multipart.field("narrative", "x")]
    ).replace(multipart.BOUNDARY.encode(), long_boundary.encode())
    response = client.post("/report", data=body,
                           content_type=f"multipart/form-data; boundary={long_boundary}",
                           follow_redirects=True)
    assert response.status_code == 200
    assert list(submissions(engine_of(app)).values()) == ["published"]
