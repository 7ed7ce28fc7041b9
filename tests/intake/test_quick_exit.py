"""The quick exit: a same-origin link that redirects to a configurable neutral site."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import create_app
from intake.app import SESSION_COOKIE_NAME
from intake.config import load_config
from intake.errors import ConfigError
from intake.i18n import LANGUAGE_COOKIE
from intake.quickexit import DEFAULT_QUICK_EXIT_URL, parse_quick_exit_url
from tests.intake.forms import csrf_token, redirected_once


def test_the_exit_redirects_to_the_neutral_site_leaving_nothing(client: FlaskClient) -> None:
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == DEFAULT_QUICK_EXIT_URL
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Nothing of the visit stays in a cookie: whatever is set is a deletion.
    assert all("Max-Age=0" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    assert response.headers["Clear-Site-Data"] == '"cookies", "storage"'


def test_after_the_exit_no_form_of_the_visit_can_be_sent_again(client: FlaskClient) -> None:
    # Back then "Confirm resubmission" on a form shown again by a language button
    # would show the answers to whoever holds the phone: its token no longer counts.
    token = csrf_token(client)
    sent = {"csrf_token": token, "narrative": "exit canary", "lang": "fr"}
    shown = client.post("/report/language", data=sent, follow_redirects=True)
    assert redirected_once(shown).status_code == 200
    assert "exit canary" in shown.get_data(as_text=True)
    client.get("/exit")
    again = client.post("/report/language", data=sent)
    assert again.status_code == 400
    assert "exit canary" not in again.get_data(as_text=True)
    assert client.get_cookie(SESSION_COOKIE_NAME) is None
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_every_page_links_the_exit_on_this_origin(client: FlaskClient) -> None:
    for path in ("/", "/danger", "/report", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert '<a class="quick-exit" href="/exit">' in page
        assert DEFAULT_QUICK_EXIT_URL not in page


def test_the_neutral_site_is_configurable(data_dir: Path) -> None:
    url = "https://weather.example/today"
    config = load_config(
        {"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1", "HAVEN_QUICK_EXIT_URL": url}
    )
    app: Flask = create_app(config)
    try:
        assert app.test_client().get("/exit").headers["Location"] == url
    finally:
        app.extensions["haven_intake"].engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["https://www.wikipedia.org/", "https://example.org:8443/a?b=c", "http://127.0.0.1:8123/"],
)
def test_good_exit_urls(url: str) -> None:
    assert parse_quick_exit_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/exit",
        "//example.org/",
        "example.org",
        "http://example.org/",  # an observer would see where the reporter went
        "javascript:alert(1)",
        "data:text/html,hello",
        "ftp://example.org/",
        "https://user:secret@example.org/",
        "https://[::1/",
        "https://example.org:99999/",
    ],
)
def test_bad_exit_urls_are_refused_naming_the_variable(data_dir: Path, url: str) -> None:
    with pytest.raises(ValueError):
        parse_quick_exit_url(url)
    with pytest.raises(ConfigError, match="HAVEN_QUICK_EXIT_URL"):
        load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_QUICK_EXIT_URL": url})
