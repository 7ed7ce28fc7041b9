"""How a request gets its language: Accept-Language mapping, the chooser, and its cookie."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import create_app
from intake.i18n import (
    AUTONYMS,
    LANGUAGE_COOKIE,
    available_languages,
    language_for_tag,
    negotiate,
    text_direction,
)
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.pages import read_page

ALL = tuple(AUTONYMS)


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("zh-Hans-HK", "zh_Hans"),  # an explicit script wins over the region
        ("zh-HK", "zh_Hant_HK"),
        ("zh-TW", "zh_Hant_HK"),
        ("zh-MO", "zh_Hant_HK"),
        ("zh-Hant", "zh_Hant_HK"),
        ("zh-Hant-CN", "zh_Hant_HK"),
        ("zh_hk", "zh_Hant_HK"),
        ("yue", "zh_Hant_HK"),
        ("yue-Hans", "zh_Hans"),
        ("ug", "ug"),
        ("ug-Arab-CN", "ug"),
        ("bo-IN", "bo"),
        ("fa-IR", "fa"),
        ("prs-AF", "fa"),
        ("ar-EG", "ar"),
        ("ru-RU", "ru"),
        ("tr", "tr"),
        ("fr-CA", "fr"),
        ("EN-us", "en"),
        ("de-DE", None),
        ("", None),
    ],
)
def test_accept_language_tags_map_to_intake_languages(tag: str, language: str | None) -> None:
    assert language_for_tag(tag, ALL) == language


def test_a_language_without_a_catalog_is_not_chosen() -> None:
    assert language_for_tag("fr-CA", ("en", "ru")) is None
    assert negotiate(["fr-CA", "ru", "en"], ("en", "ru")) == "ru"


def test_negotiation_takes_the_first_supported_else_english() -> None:
    assert negotiate(["de", "tr", "fr"], ALL) == "tr"
    assert negotiate(["de", "nl"], ALL) == "en"
    assert negotiate([], ALL) == "en"


def test_only_named_languages_with_a_compiled_catalog_are_offered(tmp_path: Path) -> None:
    for code, compiled in (("fr", True), ("ru", False), ("xx", True)):
        messages = tmp_path / code / "LC_MESSAGES"
        messages.mkdir(parents=True)
        (messages / "messages.po").write_text("")
        if compiled:
            (messages / "messages.mo").write_bytes(b"")
    assert available_languages(tmp_path) == ("en", "fr")


def test_rtl_languages_get_rtl() -> None:
    assert [code for code in ALL if text_direction(code) == "rtl"] == ["ug", "fa", "ar"]


def test_accept_language_picks_the_page_language(client: FlaskClient) -> None:
    def root(accept: str) -> dict[str, str]:
        response = client.get("/", headers={"Accept-Language": accept})
        return read_page(response.status_code, response.get_data(as_text=True)).root

    assert root("zh-HK,zh;q=0.8,en;q=0.5") == {"lang": "zh-Hant-HK", "dir": "ltr"}
    assert root("zh-CN") == {"lang": "zh-Hans", "dir": "ltr"}
    assert root("de, ug-CN;q=0.8") == {"lang": "ug", "dir": "rtl"}
    assert root("fr;q=0, ru;q=0.5") == {"lang": "ru", "dir": "ltr"}  # q=0 means "not this"
    assert root("*") == {"lang": "en", "dir": "ltr"}


def test_a_chooser_link_remembers_the_choice_and_shows_the_page_again(
    client: FlaskClient,
) -> None:
    response = client.get("/report?urgent=1&lang=fa", headers={"Accept-Language": "fr"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/report?urgent=1"
    (cookie,) = response.headers.getlist("Set-Cookie")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=fa;")
    # Nothing but the code, gone with the browser session, never sent cross-site.
    assert attributes == {LANGUAGE_COOKIE, "httponly", "samesite", "path"}
    assert "SameSite=Strict" in cookie
    page = client.get("/report?urgent=1", headers={"Accept-Language": "fr"})
    assert read_page(200, page.get_data(as_text=True)).root == {"lang": "fa", "dir": "rtl"}
    assert '<input checked id="danger_now-0"' in page.get_data(as_text=True)


def test_the_language_cookie_is_secure_unless_plain_http(app: Flask) -> None:
    config = dataclasses.replace(app.extensions["haven_intake"].config, plain_http=False)
    response = create_app(config).test_client().get("/?lang=ru")
    assert "; Secure" in response.headers["Set-Cookie"]


def test_an_unknown_language_is_not_remembered(client: FlaskClient) -> None:
    response = client.get("/danger?lang=xx")
    assert response.status_code == 303
    assert response.headers["Location"] == "/danger"
    assert "Set-Cookie" not in response.headers


def test_a_forged_cookie_is_ignored(client: FlaskClient) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "../../../etc/passwd")
    page = client.get("/", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert read_page(200, page).root == {"lang": "tr", "dir": "ltr"}


def test_browsing_sets_no_language_cookie(client: FlaskClient) -> None:
    for path in ("/", "/danger", "/report"):
        cookies = client.get(path, headers={"Accept-Language": "ar"}).headers.getlist("Set-Cookie")
        assert not [c for c in cookies if c.startswith(LANGUAGE_COOKIE)]


def test_the_chooser_names_every_language_in_itself(client: FlaskClient) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "bo")
    page = read_page(200, client.get("/danger").get_data(as_text=True))
    links = [e.attrs for e in page.elements if e.tag == "a" and "hreflang" in e.attrs]
    assert [link["href"] for link in links] == [f"/danger?lang={code}" for code in ALL]
    assert [link["lang"] for link in links] == [code.replace("_", "-") for code in ALL]
    assert [link["dir"] for link in links] == [text_direction(code) for code in ALL]
    assert [link.get("aria-current") for link in links] == [
        "true" if code == "bo" else None for code in ALL
    ]
    names = [text for lang, text in page.texts if lang in {link["lang"] for link in links}]
    assert [name for name in names if name in AUTONYMS.values()] == list(AUTONYMS.values())


def test_on_the_form_the_chooser_is_buttons_that_send_the_form_back(client: FlaskClient) -> None:
    # A link would lose what was typed: each language is a button of the form itself,
    # posting it urlencoded (no file bytes) to the page that shows it again.
    page = client.get("/report?urgent=1").get_data(as_text=True)
    assert '<form id="report"' in page
    assert 'href="/report?lang=ar"' not in page
    assert re.search(
        r'<button type="submit" form="report" name="lang" value="ar" formaction="/report/language"'
        r' formmethod="post" formenctype="application/x-www-form-urlencoded" formnovalidate',
        page,
    )


def test_the_chooser_on_a_posted_form_is_buttons_too(client: FlaskClient) -> None:
    response = client.post(
        "/report", content_type=MULTIPART, data={"csrf_token": csrf_token(client)},
        follow_redirects=True,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="lang" value="ru" formaction="/report/language"' in page


def test_the_chooser_never_links_to_a_path_taken_from_the_request(client: FlaskClient) -> None:
    # "//elsewhere.example/" would be a link to another site if copied into an href.
    elsewhere = {"PATH_INFO": "//elsewhere.example/", "QUERY_STRING": "lang=fa"}
    response = client.get("/", environ_overrides=elsewhere)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    response = client.get("/", environ_overrides={"PATH_INFO": "//elsewhere.example/"})
    assert response.status_code == 404
    assert "elsewhere.example" not in response.get_data(as_text=True)
    assert 'href="/?lang=fa"' in response.get_data(as_text=True)
