"""Submitting a report through the Flask client: encrypted whole, or refused leaving nothing."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from intake import create_app
from intake.config import IntakeConfig
from intake.forms import report_form_class
from intake.models import Submission
from intake.questionnaire import QUESTIONS, VERSION, definition_sha256
from keys.receipt import derive_receipt_keys, generate_receipt_code
from tests.intake import multipart
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.headers import SECURITY_HEADERS
from tests.intake.storage import engine_of, stored_files, submissions

RECEIPT = re.compile(r'<p class="receipt-code"[^>]*>([a-z -]+)</p>')


def post(client: FlaskClient, data: dict[str, Any]) -> Any:
    return client.post("/report", content_type=MULTIPART, data=data, follow_redirects=True)


def only_submission(
    app: Flask, reviewer: keys.X25519Identity
) -> tuple[str, dict[str, Any], dict[str, bytes]]:
    """The single stored submission: its id, decrypted report and decrypted files."""
    engine = engine_of(app)
    (submission_id,) = submissions(engine)
    files = stored_files(engine, submission_id)
    plain = {name: keys.decrypt(data, identities=[reviewer]) for name, data in files.items()}
    return submission_id, json.loads(plain.pop("report.age")), plain


def test_a_report_is_stored_encrypted_with_its_attachments(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    photo = b"\xff\xd8\xff" + bytes(range(256)) * 400
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "narrative": "Two men from the “service station” came to my flat.",
            "categories": ["state_bodies", "threats"],
            "country": "FR",
            "anonymity": "pseudonymous",
            "attachments": [
                (io.BytesIO(photo), "photo.jpg", "image/jpeg"),
                (io.BytesIO(b"note"), "note.txt", "text/plain"),
            ],
        },
    )
    assert response.status_code == 200
    code = RECEIPT.search(response.get_data(as_text=True))
    assert code, "the receipt page shows the code"

    submission_id, report, files = only_submission(app, reviewer)
    assert submissions(engine_of(app)) == {submission_id: "published"}
    assert report["format"] == "haven-report" and report["version"] == 1
    assert report["questionnaire"] == {"version": VERSION, "sha256": definition_sha256()}
    assert report["answers"]["categories"] == ["state_bodies", "threats"]
    assert report["answers"]["country"] == "FR"
    assert report["urgent"] is False
    assert report["language"] == "en"
    assert files == {"attachment-001.age": photo, "attachment-002.age": b"note"}
    assert [a["original_name"] for a in report["attachments"]] == ["photo.jpg", "note.txt"]
    assert report["attachments"][0]["content_type"] == "image/jpeg"
    assert report["attachments"][0]["size"] == len(photo)

    # The receipt code re-derives the stored lookup id and reply key.
    config = app.extensions["haven_intake"].config
    derived = derive_receipt_keys(
        code.group(1), pepper=config.receipt_pepper, cost=FAST_RECEIPT_COST
    )
    with engine_of(app).connect() as connection:
        row = connection.execute(select(Submission)).one()
    assert row.receipt_lookup_id == derived.lookup_id
    assert row.reply_recipient == str(derived.reply_identity.recipient())
    assert row.reply_recipient.startswith("age1pq1"), "replies are kept post-quantum"


def test_danger_marks_the_report_urgent(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    page = client.get("/report?urgent=1").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*name="danger_now" [^>]*value="yes">', page)
    post(client, {"csrf_token": csrf_token(client), "danger_now": "yes", "narrative": "now"})
    assert only_submission(app, reviewer)[1]["urgent"] is True


def test_the_danger_page_puts_emergency_numbers_first(client: FlaskClient) -> None:
    index = client.get("/").get_data(as_text=True)
    assert "/danger" in index and "Quick exit" in index
    page = client.get("/danger").get_data(as_text=True)
    main = page[page.index("<main") :]
    assert main.index("112") < main.index("/report?urgent=1")


def test_a_narrative_or_a_file_is_required_and_nothing_typed_is_lost(
    app: Flask, client: FlaskClient
) -> None:
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "city": "Lyon",
            "categories": ["surveillance"],
            "code_word": "<b>heron</b>",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert page.count("Please tell us what happened, or attach at least one file.") == 2
    assert 'value="Lyon"' in page
    assert re.search(r'<input checked [^>]*value="surveillance">', page)
    assert "&lt;b&gt;heron&lt;/b&gt;" in page and "<b>heron" not in page
    assert submissions(engine_of(app)) == {}


def test_files_are_dropped_with_a_message_when_the_form_comes_back(
    app: Flask, client: FlaskClient
) -> None:
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "narrative": "x",
            "anonymity": "not-a-choice",
            "attachments": [(io.BytesIO(b"evidence"), "e.pdf", "application/pdf")],
        },
    )
    assert response.status_code == 422
    assert "files you attached were not kept" in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == {}


def test_a_file_alone_is_enough(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "attachments": [(io.BytesIO(b""), "empty.txt", "text/plain")],
        },
    )
    assert response.status_code == 200
    assert only_submission(app, reviewer)[2] == {"attachment-001.age": b""}


def test_an_empty_file_input_is_not_an_attachment(app: Flask, client: FlaskClient) -> None:
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "attachments": [(io.BytesIO(b""), "", "application/octet-stream")],
        },
    )
    assert response.status_code == 422


def test_csrf_failure_changes_nothing(app: Flask, client: FlaskClient) -> None:
    csrf_token(client)
    response = post(
        client,
        {
            "csrf_token": "forged",
            "narrative": "x",
            "attachments": [(io.BytesIO(b"evidence"), "e.pdf", "application/pdf")],
        },
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == {}


def test_missing_csrf_token_changes_nothing(app: Flask, client: FlaskClient) -> None:
    response = post(client, {"narrative": "x"})
    assert response.status_code == 400
    assert submissions(engine_of(app)) == {}


def test_a_file_before_the_token_is_refused_before_anything_is_stored(
    app: Flask, client: FlaskClient
) -> None:
    token = csrf_token(client)
    body = multipart.body(
        [
            multipart.file_part(b"early.bin", b"x" * 1000),
            multipart.field("csrf_token", token),
            multipart.field("narrative", "x"),
        ]
    )
    response = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    assert response.status_code == 400
    assert submissions(engine_of(app)) == {}


@pytest.mark.parametrize(
    "mangle",
    [
        lambda body: body[: len(body) // 2],  # truncated in the middle of a file
        lambda body: body.replace(b"--\r\n", b"\r\n"),  # no closing boundary
        lambda body: body.replace(b"Content-Disposition", b"Content-Dispositio", 1),
        lambda body: b"garbage" * 100,
    ],
    ids=["truncated", "unterminated", "bad-headers", "garbage"],
)
def test_malformed_multipart_changes_nothing(app: Flask, client: FlaskClient, mangle: Any) -> None:
    token = csrf_token(client)
    body = multipart.body(
        [
            multipart.field("csrf_token", token),
            multipart.field("narrative", "x"),
            multipart.file_part(b"a.bin", b"y" * 200_000),
        ]
    )
    response = client.post(
        "/report", data=mangle(body), content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == {}


def test_a_form_not_sent_as_multipart_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/report", data={"csrf_token": csrf_token(client), "narrative": "x"}, follow_redirects=True
    )
    assert response.status_code == 400
    assert submissions(engine_of(app)) == {}


def test_oversize_gets_a_413_page(app: Flask, client: FlaskClient) -> None:
    import dataclasses

    from intake import create_app

    config = dataclasses.replace(app.extensions["haven_intake"].config, max_upload_bytes=100_000)
    small = create_app(config)
    small_client = small.test_client()
    response = small_client.post(
        "/report",
        content_type=MULTIPART,
        data={
            "csrf_token": csrf_token(small_client),
            "narrative": "x",
            "attachments": [(io.BytesIO(b"z" * 200_000), "big.bin", "application/octet-stream")],
        },
        follow_redirects=True,
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this site accepts" in page and "<html" in page
    assert submissions(engine_of(small)) == {}


def test_oversize_without_content_length_is_still_refused(app: Flask) -> None:
    import dataclasses

    from intake import create_app

    config = dataclasses.replace(app.extensions["haven_intake"].config, max_upload_bytes=100_000)
    small = create_app(config)
    small_client = small.test_client()
    body = multipart.body(
        [
            multipart.field("csrf_token", csrf_token(small_client)),
            multipart.file_part(b"big.bin", b"z" * 300_000),
        ]
    )
    response = small_client.post(
        "/report",
        input_stream=io.BytesIO(body),
        content_type=multipart.CONTENT_TYPE,
        environ_overrides={"wsgi.input_terminated": True},
        follow_redirects=True,
    )
    assert response.status_code == 413
    assert submissions(engine_of(small)) == {}


def test_too_many_files_gets_a_413_page(app: Flask, client: FlaskClient) -> None:
    count = app.extensions["haven_intake"].config.max_files + 1
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "attachments": [(io.BytesIO(b"f"), f"{n}.txt", "text/plain") for n in range(count)],
        },
    )
    assert response.status_code == 413
    assert "more files than this site accepts" in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == {}


def test_overlong_text_is_refused(app: Flask, client: FlaskClient) -> None:
    limit = app.extensions["haven_intake"].config.max_text_chars
    response = post(client, {"csrf_token": csrf_token(client), "narrative": "é" * (limit + 1)})
    assert response.status_code == 422
    assert submissions(engine_of(app)) == {}
    response = post(client, {"csrf_token": csrf_token(client), "narrative": "x" * (5 * limit)})
    assert response.status_code == 413
    assert "longer than this site accepts" in response.get_data(as_text=True)


HOSTILE_NAMES = [
    b"../../etc/passwd",
    b"C:\\Windows\\system32\\evil.exe",
    b"/absolute/path.txt",
    b"nul\x00byte.txt",
    "invoice\u202egpj.exe".encode(),
    b"<script>alert(1)</script>.html",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_names_live_only_inside_the_ciphertext(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity, tmp_path: Any, name: bytes
) -> None:
    body = multipart.body(
        [
            multipart.field("csrf_token", csrf_token(client)),
            multipart.file_part(name, b"content"),
        ]
    )
    response = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    assert response.status_code == 200
    assert name.decode("utf-8", "replace") not in response.get_data(as_text=True)
    _submission_id, report, files = only_submission(app, reviewer)
    assert files == {"attachment-001.age": b"content"}
    assert report["attachments"][0]["file"] == "attachment-001.age"
    # Kept as evidence, exactly as sent (Werkzeug may drop a NUL-truncated tail).
    assert report["attachments"][0]["original_name"]
    data_dir = app.extensions["haven_intake"].config.data_dir
    assert sorted(p.name for p in data_dir.rglob("*")) == sorted(
        [
            "intake.sqlite3",
            "intake.sqlite3-wal",
            "intake.sqlite3-shm",
            "recipients.txt",
            "secret_key",
            "receipt_pepper",
            "pickup_signing_key",
        ]
    )


def test_script_and_html_in_every_field_are_stored_encrypted_never_rendered(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data: dict[str, Any] = {"csrf_token": csrf_token(client)}
    for question in QUESTIONS:
        if question.kind in ("text", "long_text"):
            data[question.name] = f"{question.name}:{payload}"
    response = post(client, data)
    assert response.status_code == 200
    assert "<script>alert" not in response.get_data(as_text=True)
    _, report, _ = only_submission(app, reviewer)
    for name, value in data.items():
        if name != "csrf_token":
            assert report["answers"][name] == value
    engine = engine_of(app)
    (submission_id,) = submissions(engine)
    assert all(b"<script>" not in c for c in stored_files(engine, submission_id).values())


def test_script_in_choice_fields_is_refused_and_escaped(app: Flask, client: FlaskClient) -> None:
    response = post(
        client,
        {
            "csrf_token": csrf_token(client),
            "narrative": "x",
            "categories": ["<script>alert(1)</script>"],
            "anonymity": "<script>alert(2)</script>",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>" not in page
    assert submissions(engine_of(app)) == {}


def test_the_form_asks_every_question_of_the_questionnaire(app: Flask) -> None:
    with app.test_request_context():
        form = report_form_class(max_text_chars=10)(formdata=None)
        names = {field.name for field in form} - {"csrf_token"}
    assert names == {q.name for q in QUESTIONS}
    assert len(next(q for q in QUESTIONS if q.name == "categories").choices) == 14


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/", 200),
        ("get", "/danger", 200),
        ("get", "/report", 200),
        ("get", "/static/intake.css", 200),
        ("get", "/nowhere", 404),
        ("post", "/report", 400),
        ("delete", "/report", 405),
    ],
)
def test_every_response_carries_the_security_headers(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    response.close()
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP on loopback


def test_session_cookie_is_httponly_samesite_strict(client: FlaskClient) -> None:
    cookie = client.get("/report").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # the fixture serves plain HTTP on loopback


def test_cookies_are_secure_and_hsts_sent_unless_plain_http(app: Flask) -> None:
    import dataclasses

    from intake import create_app

    config = dataclasses.replace(app.extensions["haven_intake"].config, plain_http=False)
    response = create_app(config).test_client().get("/report")
    assert "; Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_over_https_the_session_cookie_is_a_host_cookie(app: Flask) -> None:
    """A __Host- cookie cannot be planted by another host (intake/seal_binding.py): a
    browser takes it only Secure, for Path=/, without Domain. A report still reaches
    its receipt with it."""
    import dataclasses

    from intake import create_app

    config = dataclasses.replace(app.extensions["haven_intake"].config, plain_http=False)
    browser = create_app(config).test_client()
    form = browser.get("/report", base_url="https://localhost")
    (cookie,) = form.headers.getlist("Set-Cookie")
    assert cookie.startswith("__Host-haven_intake=")
    assert "; Secure" in cookie and "; Path=/" in cookie and "Domain" not in cookie
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.get_data(as_text=True))
    assert token
    body = multipart.body(
        [multipart.field("csrf_token", token.group(1)), multipart.field("narrative", "it")]
    )
    sent = browser.post("/report", data=body, content_type=multipart.CONTENT_TYPE,
                        base_url="https://localhost")  # fmt: skip
    assert sent.status_code == 303
    receipt = browser.get("/receipt", base_url="https://localhost")
    assert receipt.status_code == 200 and 'class="receipt-code"' in receipt.get_data(as_text=True)


def test_pages_load_nothing_from_elsewhere_and_need_no_javascript(client: FlaskClient) -> None:
    for path in ("/", "/danger", "/report"):
        page = client.get(path).get_data(as_text=True)
        assert "<script" not in page
        assert not re.search(r'(src|href)="(https?:)?//', page)
        assert '<a class="quick-exit" href="/exit">' in page


def test_language_follows_accept_language_among_supported(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "xx;q=0.9, en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page  # no catalog for "xx"


@pytest.mark.parametrize("word", ["t-shirt", "drop-down", "felt-tip", "yo-yo"])
def test_a_code_with_a_hyphenated_word_is_issued_and_rederives(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, word: str
) -> None:
    # About one code in 280 holds one of these words; each must publish, not fail late.
    words = iter([word, "abacus", "zoom", "shirt", "down", "abdomen", "abide"])
    monkeypatch.setattr(
        "intake.publishing.generate_receipt_code",
        lambda: generate_receipt_code(choose=lambda _vocabulary: next(words)),
    )
    response = post(client, {"csrf_token": csrf_token(client), "narrative": "hyphen"})
    assert response.status_code == 200
    code = RECEIPT.search(response.get_data(as_text=True))
    assert code and code.group(1).split()[0] == word
    config = app.extensions["haven_intake"].config
    derived = derive_receipt_keys(
        code.group(1).replace(" ", "-"), pepper=config.receipt_pepper, cost=FAST_RECEIPT_COST
    )
    with engine_of(app).connect() as connection:
        stored = connection.execute(select(Submission.receipt_lookup_id)).scalar_one()
    assert stored == derived.lookup_id


@pytest.mark.parametrize("max_text_chars", [200, 1000, 16_000])
def test_a_small_text_limit_still_accepts_large_files(
    config: IntakeConfig, reviewer: keys.X25519Identity, max_text_chars: int
) -> None:
    app = create_app(dataclasses.replace(config, max_text_chars=max_text_chars))
    client = app.test_client()
    photo = bytes(range(256)) * 1200  # 300 KiB: several reads of the body
    response = post(
        client,
        {"csrf_token": csrf_token(client), "attachments": [(io.BytesIO(photo), "a.jpg")]},
    )
    assert response.status_code == 200
    _, _, files = only_submission(app, reviewer)
    assert files == {"attachment-001.age": photo}
    # The text limit itself still holds.
    response = post(client, {"csrf_token": csrf_token(client), "narrative": "x" * 200_000})
    assert response.status_code == 413
    engine_of(app).dispose()


def test_an_internal_fault_is_not_reported_as_the_clients_malformed_body(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_sink: object, _data: bytes) -> None:
        raise ValueError("a fault of ours")

    monkeypatch.setattr("intake.receiving._FileSink.write", broken)
    app.testing = False  # see the 500 page instead of the exception
    response = post(
        client,
        {"csrf_token": csrf_token(client), "attachments": [(io.BytesIO(b"data"), "a.txt")]},
    )
    assert response.status_code == 500
    assert "could not read" not in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == {}
