"""The empty report form is rendered once per language and way in, then served with fresh tokens."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.i18n import LANGUAGE_COOKIE
from tests.intake.forms import MULTIPART

LANGUAGES = ("en", "zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def form_page(app: Flask, language: str, path: str) -> tuple[str, str, FlaskClient]:
    """A new visitor's form page: the page, its token, and the visitor's client."""
    client = app.test_client()
    client.set_cookie(LANGUAGE_COOKIE, language)
    page = client.get(path).get_data(as_text=True)
    tokens = TOKEN.findall(page)
    assert len(tokens) == 1
    return page, tokens[0], client


@pytest.mark.parametrize("path", ["/report", "/report?urgent=1"])
def test_a_kept_form_is_the_rendered_one_with_the_visitors_own_token(app: Flask, path: str) -> None:
    languages_seen = set()
    for language in LANGUAGES:
        rendered, first_token, _first = form_page(app, language, path)
        kept, token, client = form_page(app, language, path)
        assert token != first_token
        # The same page but for the token, in the language asked for.
        assert kept.replace(token, "TOKEN") == rendered.replace(first_token, "TOKEN")
        found = HTML_LANG.search(kept)
        assert found
        languages_seen.add(found.group(1))
        # The token is this visitor's: a report sent with it is accepted.
        sent = client.post(
            "/report", content_type=MULTIPART,
            data={"csrf_token": token, "narrative": f"sent from the kept form in {language}"},
        )  # fmt: skip
        assert sent.status_code == 303
    assert len(languages_seen) == len(LANGUAGES)


def test_the_urgent_form_is_kept_apart(app: Flask) -> None:
    plain, plain_token, _client = form_page(app, "en", "/report")
    urgent, urgent_token, _client = form_page(app, "en", "/report?urgent=1")
    assert plain.replace(plain_token, "") != urgent.replace(urgent_token, "")
    # And each stays as it is once kept.
    again, again_token, _client = form_page(app, "en", "/report")
    assert again.replace(again_token, "") == plain.replace(plain_token, "")
