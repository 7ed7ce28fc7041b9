"""The receipt is answered once, and changing language keeps what is on the screen."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.intake import multipart
from tests.intake.forms import csrf_token, redirected_once
from tests.intake.storage import engine_of, submissions

CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
SEALED = re.compile(r'name="receipt" value="([^"]+)"')
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def _report(client: FlaskClient) -> tuple[bytes, str]:
    body = multipart.body(
        [multipart.field("csrf_token", csrf_token(client)), multipart.field("narrative", "it")]
    )
    response = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    assert response.status_code == 200
    return body, response.get_data(as_text=True)


def _token(page: str) -> str:
    match = TOKEN.search(page)
    assert match
    return match.group(1) or match.group(2)


def test_the_receipt_post_sent_again_sends_nothing_and_shows_no_code(
    app: Flask, client: FlaskClient
) -> None:
    # What Back, Forward and "Confirm resubmission" do: the same POST, a second time.
    body, receipt = _report(client)
    match = CODE.search(receipt)
    assert match
    again = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    assert again.status_code == 400
    assert match.group(1) not in again.get_data(as_text=True)
    assert len(submissions(engine_of(app))) == 1


def test_the_receipt_in_another_language_shows_the_same_code(client: FlaskClient) -> None:
    _, receipt = _report(client)
    code = CODE.search(receipt)
    sealed = SEALED.search(receipt)
    assert code and sealed
    assert code.group(1) not in sealed.group(1)
    assert 'form="receipt-language" name="lang" value="fr"' in receipt
    sent = {"csrf_token": _token(receipt), "receipt": sealed.group(1), "lang": "fr"}
    french = client.post("/receipt/language", data=sent)
    # POST/redirect/GET: no history entry keeps the POST (or its body) to send again.
    assert french.status_code == 303 and french.headers["Location"] == "/receipt"
    page = client.get("/receipt").get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert CODE.search(page) and CODE.search(page).group(1) == code.group(1)  # type: ignore[union-attr]
    assert client.get_cookie("haven_lang").value == "fr"  # type: ignore[union-attr]


def test_the_receipt_is_shown_once_and_its_code_never_in_a_url(client: FlaskClient) -> None:
    body = multipart.body(
        [multipart.field("csrf_token", csrf_token(client)), multipart.field("narrative", "it")]
    )
    sent = client.post("/report", data=body, content_type=multipart.CONTENT_TYPE)
    assert sent.status_code == 303 and sent.headers["Location"] == "/receipt"
    (cookie,) = [c for c in sent.headers.getlist("Set-Cookie") if c.startswith("haven_receipt=")]
    assert "Path=/receipt" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Max-Age" not in cookie and "Expires" not in cookie  # this browser session at most
    shown = client.get("/receipt")
    match = CODE.search(shown.get_data(as_text=True))
    assert shown.status_code == 200 and match
    assert not any(word in cookie for word in match.group(1).split())
    # Reloaded, or reached again by Back or Forward: no code.
    again = client.get("/receipt")
    assert again.status_code == 410
    assert match.group(1) not in again.get_data(as_text=True)


def test_a_forged_or_expired_seal_shows_no_code(client: FlaskClient) -> None:
    _, receipt = _report(client)
    sent = {"csrf_token": _token(receipt), "receipt": "r1.AAAA", "lang": "fr"}
    response = client.post("/receipt/language", data=sent)
    assert response.status_code == 410
    assert "no longer shown" in response.get_data(as_text=True)


def test_the_form_in_another_language_keeps_every_answer(client: FlaskClient) -> None:
    sent = {
        "csrf_token": csrf_token(client),
        "narrative": "ئۇلار ئۆيۈمگە كەلدى",
        "city": "Istanbul",
        "categories": ["threats", "surveillance"],
        "attachments": "photo.jpg",
        "lang": "ug",
    }
    response = redirected_once(client.post("/report/language", data=sent, follow_redirects=True))
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert '<html lang="ug" dir="rtl"' in page
    assert "ئۇلار ئۆيۈمگە كەلدى" in page and 'value="Istanbul"' in page
    assert re.search(r'<input checked[^>]*value="threats"', page)
    assert re.search(r'<input checked[^>]*value="surveillance"', page)
    assert "<bdi>photo.jpg</bdi>" in page
    assert client.get_cookie("haven_lang").value == "ug"  # type: ignore[union-attr]


def test_the_language_buttons_store_nothing_and_read_no_multipart(
    app: Flask, client: FlaskClient
) -> None:
    token = csrf_token(client)
    body = multipart.body([multipart.field("csrf_token", token), multipart.field("lang", "fr")])
    refused = client.post("/report/language", data=body, content_type=multipart.CONTENT_TYPE)
    assert refused.status_code == 400
    forged = client.post("/report/language", data={"csrf_token": "x", "narrative": "n"})
    assert forged.status_code == 400
    assert submissions(engine_of(app)) == {}


def test_the_form_and_the_receipt_tell_browsers_to_keep_nothing(client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert re.search(r'<form id="report" [^>]*autocomplete="off"', page)
    _, receipt = _report(client)
    assert re.search(r'<form id="receipt-language" [^>]*autocomplete="off"', receipt)
