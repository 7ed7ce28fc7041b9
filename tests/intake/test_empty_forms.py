"""The empty report form is rendered once per language and way in, then served with fresh tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.empty_forms import EmptyFormPages
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


def test_each_path_the_site_is_served_under_has_its_own_form(app: Flask) -> None:
    """The path is in every link: a form kept for one must not be served under another."""
    for root in ("", "/intake", ""):
        client = app.test_client()
        page = client.get("/report", base_url=f"http://localhost{root}").get_data(as_text=True)
        assert f'href="{root}/static/intake.css' in page
        assert root or "/intake/" not in page


def test_the_forms_kept_are_bounded_and_the_rest_rendered_each_time() -> None:
    pages = EmptyFormPages(max_keys=1)
    renderings: list[str] = []

    def render_for(root: str, token: str) -> Callable[[], str]:
        def render() -> str:
            renderings.append(root)
            return f'<a href="{root}/x"><input value="{token}">'

        return render

    for number, root in enumerate(("/a", "/b", "/a", "/b")):
        token = f"token-{number}"
        page = pages.page(language="en", urgent=False, script_root=root, token=token,
                          render=render_for(root, token))  # fmt: skip
        assert page == f'<a href="{root}/x"><input value="{token}">'
    assert renderings == ["/a", "/b", "/b"]
