"""Every POST of a form answers 303; a form sent back crosses it as a one-time draft.

Chromium writes a POST's body, every answer in it, into the profile's session
restore files: a form shown as the answer to a POST would leave them there.
So each refusal and the language button answer 303, the draft's ticket in a
cookie limited to the form's path, and the GET shows the form once.
"""

from __future__ import annotations

import dataclasses
import html
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from intake import create_app, draft_store
from intake.form_again import FOLLOW_UP_DRAFTS, REPORT_DRAFTS
from intake.i18n import LANGUAGE_COOKIE
from intake.models import StoredDraft
from tests.intake import multipart
from tests.intake.checkback import capability_of, check_back, check_csrf
from tests.intake.forms import csrf_token
from tests.intake.reply_bundles import submit_report
from tests.intake.storage import engine_of, submissions

CANARY = "draftcanaryqzjxv"
STORY = f"They waited outside the school. {CANARY}"
GONE = "Your answers could not be shown again"
MIB = 1 << 20


def _answers(token: str, *, narrative: str = STORY) -> list[bytes]:
    return [
        multipart.field("csrf_token", token),
        multipart.field("categories", "threats"),
        multipart.field("narrative", narrative),
        multipart.field("city", "Vancouver"),
    ]


def _post_report(client: FlaskClient, body: bytes) -> TestResponse:
    return client.post("/report", data=body, content_type=multipart.CONTENT_TYPE)


def _too_many_files(client: FlaskClient) -> TestResponse:
    files = [multipart.file_part(f"photo-{n}.jpg".encode(), b"x") for n in range(21)]
    return _post_report(client, multipart.body([*_answers(csrf_token(client)), *files]))


def _too_many_bytes(client: FlaskClient) -> TestResponse:
    big = multipart.file_part(b"video.mp4", b"\0" * (2 * MIB))
    body = multipart.body([*_answers(csrf_token(client)), big])
    return client.post("/report", input_stream=io.BytesIO(body),
                       content_type=multipart.CONTENT_TYPE,
                       environ_overrides={"wsgi.input_terminated": True})  # fmt: skip


def _declared_too_large(client: FlaskClient) -> TestResponse:
    big = multipart.file_part(b"video.mp4", b"\0" * (2 * MIB))
    return _post_report(client, multipart.body([*_answers(csrf_token(client)), big]))


def _answer_cut(client: FlaskClient) -> TestResponse:
    parts = _answers(csrf_token(client), narrative=STORY + "x" * (4 * 20_000))
    return _post_report(client, multipart.body(parts))


def _invalid(client: FlaskClient) -> TestResponse:
    parts = [*_answers(csrf_token(client)), multipart.field("danger_now", "perhaps")]
    return _post_report(client, multipart.body(parts))


def _language(client: FlaskClient) -> TestResponse:
    return client.post("/report/language", data={
        "csrf_token": csrf_token(client), "narrative": STORY, "city": "Vancouver",
        "categories": "threats", "attachments": "photo.jpg", "lang": "fr"})  # fmt: skip


SENT_BACK: dict[str, tuple[Callable[[FlaskClient], TestResponse], int]] = {
    "too-many-files": (_too_many_files, 413),
    "too-many-bytes": (_too_many_bytes, 413),
    "declared-too-large": (_declared_too_large, 413),
    "answer-cut": (_answer_cut, 413),
    "invalid": (_invalid, 422),
    "language": (_language, 200),
}


@pytest.fixture
def small(config: object) -> Iterator[Flask]:
    """Intake accepting 1 MiB in all, so the byte limit is met with small bodies."""
    app = create_app(dataclasses.replace(config, max_upload_bytes=MIB))  # type: ignore[type-var]
    yield app
    app.extensions["haven_intake"].leases.stop()
    engine_of(app).dispose()


def _draft_rows(app: Flask) -> int:
    with engine_of(app).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(StoredDraft)).scalar_one())


def _draft_cookie(response: TestResponse, name: str) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    return cookie


def _files_holding(directory: Path, secret: str) -> list[str]:
    encodings = {secret.encode("utf-8"), secret.encode("utf-16-le")}
    return [str(path) for path in directory.rglob("*") if path.is_file()
            and any(e in path.read_bytes() for e in encodings)]  # fmt: skip


@pytest.mark.parametrize("kind", SENT_BACK)
def test_a_form_sent_back_answers_303_and_the_get_shows_it_once(
    small: Flask, data_dir: Path, kind: str
) -> None:
    client = small.test_client()
    send, status = SENT_BACK[kind]
    posted = send(client)
    assert posted.status_code == 303 and posted.headers["Location"] == "/report"
    assert CANARY not in posted.get_data(as_text=True)
    cookie = _draft_cookie(posted, REPORT_DRAFTS.cookie)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    # Limited to the form, out of scripts' reach, never sent cross-site, and gone with
    # the browser session (no expiry); plain HTTP here, so without Secure.
    assert "Path=/report" in cookie and {"httponly", "samesite", "path"} == attributes
    assert "SameSite=Strict" in cookie
    assert _draft_rows(small) == 1
    # Pending, the draft is ciphertext: nothing of the answers in the data directory.
    assert _files_holding(data_dir, CANARY) == []
    shown = client.get("/report")
    assert shown.status_code == status
    page = html.unescape(shown.get_data(as_text=True))
    assert STORY[:60] in page and 'value="Vancouver"' in page and GONE not in page
    assert _draft_cookie(shown, REPORT_DRAFTS.cookie).startswith(f"{REPORT_DRAFTS.cookie}=;")
    assert _draft_rows(small) == 0 and submissions(engine_of(small)) == {}
    # Reloaded, or the cookie replayed: the form is empty, and says why.
    client.set_cookie(LANGUAGE_COOKIE, "en")
    client.set_cookie(REPORT_DRAFTS.cookie, cookie.split(";")[0].split("=", 1)[1], path="/report")
    again = client.get("/report")
    assert again.status_code == 200
    assert GONE in again.get_data(as_text=True) and CANARY not in again.get_data(as_text=True)
    assert _files_holding(data_dir, CANARY) == []


def test_the_language_button_moves_the_page_into_the_language_chosen(client: FlaskClient) -> None:
    shown = client.get(_language(client).headers["Location"])
    assert '<html lang="fr"' in shown.get_data(as_text=True)
    assert "<bdi>photo.jpg</bdi>" in shown.get_data(as_text=True)


def test_the_draft_cookie_is_secure_unless_intake_speaks_plain_http(config: object) -> None:
    app = create_app(dataclasses.replace(config, plain_http=False))  # type: ignore[type-var]
    try:
        client = app.test_client()
        assert "; Secure" in _draft_cookie(_language(client), REPORT_DRAFTS.cookie)
    finally:
        app.extensions["haven_intake"].leases.stop()
        engine_of(app).dispose()


@pytest.mark.parametrize("value", [
    "", "x", "d1.", "d1." + "0" * 32 + "." + "A" * 43, "d1.zz." + "A" * 43, "é" * 10,
    "d1." + "f" * 32 + ".!!!!", "d1." + "0" * 32 + "." + "A" * 3000,
])  # fmt: skip
def test_a_forged_draft_cookie_gets_the_empty_form_and_a_clear_message(
    client: FlaskClient, value: str
) -> None:
    client.set_cookie(REPORT_DRAFTS.cookie, value, path="/report")
    response = client.get("/report")
    assert response.status_code == 200
    assert GONE in response.get_data(as_text=True)
    assert _draft_cookie(response, REPORT_DRAFTS.cookie).startswith(f"{REPORT_DRAFTS.cookie}=;")


def test_a_report_draft_does_not_open_on_the_follow_up_page(
    app: Flask, client: FlaskClient
) -> None:
    ticket = _draft_cookie(_language(client), REPORT_DRAFTS.cookie).split(";")[0].split("=", 1)[1]
    client.set_cookie(LANGUAGE_COOKIE, "en")
    client.set_cookie(FOLLOW_UP_DRAFTS.cookie, ticket, path=FOLLOW_UP_DRAFTS.path)
    response = client.get(FOLLOW_UP_DRAFTS.path)
    assert response.status_code == 200 and GONE in response.get_data(as_text=True)
    assert CANARY not in response.get_data(as_text=True)
    assert _draft_rows(app) == 0  # used up all the same


def test_a_refusal_without_the_sessions_token_keeps_no_draft(
    app: Flask, client: FlaskClient
) -> None:
    csrf_token(client)
    files = [multipart.file_part(f"photo-{n}.jpg".encode(), b"x") for n in range(21)]
    response = _post_report(client, multipart.body([*_answers("forged"), *files]))
    assert response.status_code == 400
    forged = client.post("/report/language", data={"csrf_token": "forged", "narrative": STORY})
    assert forged.status_code == 400
    assert _draft_rows(app) == 0


def test_the_quick_exit_drops_every_draft_cookie(client: FlaskClient) -> None:
    response = client.get("/exit")
    cookies = response.headers.getlist("Set-Cookie")
    for place in (REPORT_DRAFTS, FOLLOW_UP_DRAFTS):
        (cookie,) = [c for c in cookies if c.startswith(place.cookie + "=;")]
        assert f"Path={place.path}" in cookie and "Max-Age=0" in cookie


def _follow_up(client: FlaskClient, capability: str, *parts: bytes) -> TestResponse:
    body = multipart.body([multipart.field("csrf_token", check_csrf(client)),
                           multipart.field("capability", capability), *parts])  # fmt: skip
    return client.post("/check/follow-up", data=body, content_type=multipart.CONTENT_TYPE)


def test_a_follow_up_with_too_many_files_answers_303_and_keeps_the_message(
    app: Flask, client: FlaskClient, data_dir: Path
) -> None:
    capability = capability_of(check_back(client, submit_report(client)))
    files = [multipart.file_part(f"scan-{n}.pdf".encode(), b"x") for n in range(21)]
    posted = _follow_up(client, capability, multipart.field("message", STORY), *files)
    assert posted.status_code == 303 and posted.headers["Location"] == FOLLOW_UP_DRAFTS.path
    assert f"Path={FOLLOW_UP_DRAFTS.path}" in _draft_cookie(posted, FOLLOW_UP_DRAFTS.cookie)
    assert _files_holding(data_dir, CANARY) == []
    shown = client.get(FOLLOW_UP_DRAFTS.path)
    page = html.unescape(shown.get_data(as_text=True))
    assert shown.status_code == 413
    assert STORY in page and capability in page and "up to 20 files" in page
    # Limits in words, as the report form says them (no "MiB" for reporters to decode).
    size_mb = app.extensions["haven_intake"].config.max_upload_bytes // MIB
    assert " MiB" not in page and f"up to {size_mb} MB in all" in page
    assert len(submissions(engine_of(app))) == 1
    assert client.get(FOLLOW_UP_DRAFTS.path).status_code == 303  # once only


def test_a_follow_up_sent_answers_303_and_says_so_once(app: Flask, client: FlaskClient) -> None:
    capability = capability_of(check_back(client, submit_report(client)))
    posted = _follow_up(client, capability, multipart.field("message", STORY))
    assert posted.status_code == 303 and posted.headers["Location"] == "/check/sent"
    assert "Added to your report" in client.get("/check/sent").get_data(as_text=True)
    again = client.get("/check/sent")
    assert again.status_code == 303 and again.headers["Location"] == "/check"
    assert len(submissions(engine_of(app))) == 2


def test_a_follow_up_too_long_comes_back_cut_and_says_nothing_of_files(
    app: Flask, client: FlaskClient
) -> None:
    capability = capability_of(check_back(client, submit_report(client)))
    chars = app.extensions["haven_intake"].config.max_text_chars
    posted = _follow_up(client, capability, multipart.field("message", STORY + "a" * (4 * chars)))
    assert posted.status_code == 303
    shown = client.get(FOLLOW_UP_DRAFTS.path)
    page = html.unescape(shown.get_data(as_text=True))
    assert shown.status_code == 413 and STORY in page
    assert f"up to {chars} characters" in page and "files you attached" not in page
    assert len(submissions(engine_of(app))) == 1


def test_a_flood_of_drafts_stops_at_the_ceiling_and_the_form_still_comes_back(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One CSRF token from a plain GET would otherwise store a draft per POST, for two days."""
    monkeypatch.setattr(draft_store, "MAX_PENDING_BYTES", 4096)
    token = csrf_token(client)
    statuses = []
    for _ in range(40):
        # The flooding client never comes back for its drafts (nor sends their cookie).
        client.delete_cookie(REPORT_DRAFTS.cookie, path=REPORT_DRAFTS.path)
        statuses.append(client.post("/report/language", data={
            "csrf_token": token, "narrative": STORY, "lang": "fr"}).status_code)  # fmt: skip
    with engine_of(app).connect() as connection:
        pending = connection.execute(select(func.sum(func.length(StoredDraft.sealed)))).scalar()
    assert 0 < int(pending or 0) <= 4096
    assert statuses[0] == 303 and statuses[-1] == 200
    # Past the ceiling the form is the POST's own answer, every answer in it.
    client.delete_cookie(REPORT_DRAFTS.cookie, path=REPORT_DRAFTS.path)
    answer = client.post("/report/language", data={
        "csrf_token": token, "narrative": STORY, "city": "Vancouver", "lang": "fr"})  # fmt: skip
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert STORY in page and "Vancouver" in page
