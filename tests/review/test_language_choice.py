"""The review app's language chooser: what it offers, what it remembers, who may use it.

The languages offered are set on the app here, and the tests look at markup,
not words, so they hold whichever catalogs review/translations has.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from review.pickup.importer import import_bundle
from review.web.app import create_app
from review.web.i18n import AUTONYMS, LANGUAGE_COOKIE_KEY, LANGUAGES_KEY
from review.web.state import EXTENSION_KEY
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer

OFFERED = ("en", "ar", "bo", "fr")
HTML_TAG = re.compile(r'<html lang="([^"]+)" dir="(ltr|rtl)">')
LINK = re.compile(r'<li><a href="([^"]+)" lang="([^"]+)" hreflang="[^"]+" dir="(ltr|rtl)"'
                  r'(?: aria-current="true")?>([^<]+)</a></li>')
BUTTON = re.compile(r'<button type="submit" form="case-writing" name="lang" value="([^"]+)" '
                    r'formaction="([^"]+)" formnovalidate\s+lang="([^"]+)" dir="(ltr|rtl)"')


@pytest.fixture
def offered(app: Flask) -> Flask:
    app.config[LANGUAGES_KEY] = OFFERED
    return app


@pytest.fixture
def case_id(workspace: Workspace, alice: Reviewer, tmp_path: Path) -> str:
    case = encrypted_submission({"narrative": "They call my mother."},
                                recipients=[alice.recipient])
    # The reporter's key for replies, so the case page has its reply form.
    case.reply_recipient = str(keys.HybridIdentity.generate().recipient())
    import_bundle(workspace, BundleWriter([case]).write(tmp_path / "bundle.tar"), actor="test")
    return case.id


def _root(client: FlaskClient, path: str, **headers: str) -> tuple[str, str]:
    page = client.get(path, headers=headers).get_data(as_text=True)
    found = HTML_TAG.search(page)
    assert found, page[:300]
    return found.group(1), found.group(2)


def _cookie(app: Flask, set_cookie: str) -> str:
    name = app.config[LANGUAGE_COOKIE_KEY]
    assert set_cookie.startswith(f"{name}="), set_cookie
    return set_cookie


def test_every_language_is_a_link_named_in_itself(offered: Flask, client: FlaskClient) -> None:
    page = client.get("/unlock").get_data(as_text=True)
    links = LINK.findall(page)
    assert [(href, lang, direction, name) for href, lang, direction, name in links] == [
        ("/unlock?lang=en", "en", "ltr", "English"),
        ("/unlock?lang=ar", "ar", "rtl", AUTONYMS["ar"]),
        ("/unlock?lang=bo", "bo", "ltr", AUTONYMS["bo"]),
        ("/unlock?lang=fr", "fr", "ltr", "Français"),
    ]
    assert ('<a href="/unlock?lang=en" lang="en" hreflang="en" dir="ltr" aria-current="true">'
            in page)


def test_a_link_remembers_the_choice_over_accept_language(
    offered: Flask, client: FlaskClient
) -> None:
    response = client.get("/unlock?lang=ar", headers={"Accept-Language": "fr"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/unlock"
    cookie = _cookie(offered, response.headers["Set-Cookie"])
    # Only the code, for this browser session, out of reach of script and of other sites.
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie
    assert cookie.split(";")[0].endswith("=ar")
    assert _root(client, "/unlock", **{"Accept-Language": "fr"}) == ("ar", "rtl")
    client.get("/unlock?lang=bo")
    assert _root(client, "/unlock", **{"Accept-Language": "ar"}) == ("bo", "ltr")


def test_the_cookie_name_is_this_process_own(offered: Flask) -> None:
    # Another program on 127.0.0.1 receives the cookies of every port, but cannot
    # set or read this one by a name it knows: each process picks its own.
    name = offered.config[LANGUAGE_COOKIE_KEY]
    assert name.startswith(offered.config["SESSION_COOKIE_NAME"])
    another = create_app(offered.extensions[EXTENSION_KEY].config)
    assert another.config[LANGUAGE_COOKIE_KEY] != name


def test_an_unknown_choice_is_ignored(offered: Flask, client: FlaskClient) -> None:
    response = client.get("/unlock?lang=xx")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    client.set_cookie(offered.config[LANGUAGE_COOKIE_KEY], "de")
    assert _root(client, "/unlock", **{"Accept-Language": "fr-FR"}) == ("fr", "ltr")


def test_the_link_keeps_the_page_and_its_query(
    offered: Flask, client: FlaskClient, alice: Reviewer
) -> None:
    assert unlock(client, alice) == 302
    page = client.get("/audit?case=abcd&page=2").get_data(as_text=True)
    assert '<a href="/audit?case=abcd&amp;page=2&amp;lang=fr"' in page
    response = client.get("/audit?case=abcd&page=2&lang=fr")
    assert response.status_code == 303
    assert response.headers["Location"] == "/audit?case=abcd&page=2"


def test_a_link_never_leads_off_the_app(offered: Flask, client: FlaskClient) -> None:
    # A path of no page of this app is answered with the inbox (which asks to unlock).
    response = client.get("/", query_string="lang=fr",
                          environ_overrides={"PATH_INFO": "//elsewhere.example/x"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = client.get("/no-such-page").get_data(as_text=True)
    assert '<a href="/?lang=fr"' in page


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_no_other_page_can_switch_the_language(
    offered: Flask, client: FlaskClient, site: str
) -> None:
    # Not even through the unlock page, which any page may load.
    response = client.get("/unlock?lang=ar", headers={"Sec-Fetch-Site": site})
    assert response.status_code == 403 and "Set-Cookie" not in response.headers
    client.environ_base.pop("HTTP_SEC_FETCH_SITE")
    response = client.get("/unlock?lang=ar", headers={"Referer": "http://127.0.0.1:9/"})
    assert response.status_code == 403 and "Set-Cookie" not in response.headers
    # The reviewer's own navigation (an address typed in) sends no Fetch Metadata site.
    response = client.get("/unlock?lang=ar", headers={"Sec-Fetch-Site": "none"})
    assert response.status_code == 303


def test_the_case_page_chooser_keeps_the_reply_and_note_being_written(
    offered: Flask, client: FlaskClient, alice: Reviewer, case_id: str
) -> None:
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{case_id}").get_data(as_text=True)
    action = f"/case/{case_id}/language"
    assert [(code, formaction) for code, formaction, _, _ in BUTTON.findall(page)] == [
        (code, action) for code in OFFERED
    ]
    # Every field a reviewer writes in belongs to the form the buttons send.
    for field in ('id="reply-status"', 'id="reply-text"', 'id="note"'):
        tag = re.search(rf"<(?:select|textarea)[^>]*{field}[^>]*>", page)
        assert tag and 'form="case-writing"' in tag.group(0), field
    response = client.post(action, data={
        "csrf_token": csrf_token(client, f"/case/{case_id}"), "lang": "ar",
        "status": "reading", "text": "We are <reading> it", "note": "Call back on Monday",
    })
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert HTML_TAG.search(shown).groups() == ("ar", "rtl")  # type: ignore[union-attr]
    assert "We are &lt;reading&gt; it</textarea>" in shown
    assert "Call back on Monday</textarea>" in shown
    assert '<option selected value="reading">' in shown
    # ...and nothing of it was saved: the writing is the reviewer's still.
    assert '<article class="note">' not in shown
    _cookie(offered, response.headers["Set-Cookie"])
    assert _root(client, f"/case/{case_id}") == ("ar", "rtl")


def test_the_case_language_buttons_are_checked_like_every_form(
    offered: Flask, client: FlaskClient, alice: Reviewer, case_id: str
) -> None:
    assert unlock(client, alice) == 302
    action = f"/case/{case_id}/language"
    token = csrf_token(client, f"/case/{case_id}")
    assert client.post(action, data={"lang": "ar"}).status_code == 400  # no CSRF token
    refused = client.post(action, data={"csrf_token": token, "lang": "ar"},
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    unknown = client.post(action, data={"csrf_token": token, "lang": "xx"})
    assert unknown.status_code == 200 and "Set-Cookie" not in unknown.headers
    assert client.post(f"/case/{'0' * 32}/language",
                       data={"csrf_token": token, "lang": "ar"}).status_code == 404


def test_the_inbox_chooser_keeps_the_ticked_cases_and_the_bulk_action(
    offered: Flask, client: FlaskClient, alice: Reviewer, case_id: str
) -> None:
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" form="inbox-bulk" name="lang" value="([^"]+)" '
                         r'formaction="/inbox/language" formnovalidate', page)
    assert buttons == list(OFFERED)
    assert '<form id="inbox-bulk"' in page
    response = client.post("/inbox/language", data={
        "csrf_token": csrf_token(client, "/"), "lang": "bo", "case": [case_id],
        "status": "referred", "tags": "call <back>",
    })
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert HTML_TAG.search(shown).groups() == ("bo", "ltr")  # type: ignore[union-attr]
    assert f'value="{case_id}" id="case-{case_id}" checked' in shown
    assert '<option selected value="referred">' in shown
    assert 'value="call &lt;back&gt;"' in shown
    _cookie(offered, response.headers["Set-Cookie"])
    assert client.post("/inbox/language", data={"lang": "bo"}).status_code == 400
