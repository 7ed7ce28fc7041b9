"""Checking back with a receipt code: replies, status, one generic answer, Argon2 every time."""

from __future__ import annotations

import dataclasses
import json
import logging
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

import keys
import keys.argon2_memory
import keys.receipt
from intake import create_app
from intake.app import SESSION_COOKIE_NAME
from intake.capability import CAPABILITY_SECONDS, CapabilityIssuer, capability_key
from intake.config import IntakeConfig
from intake.derivation_gate import DerivationGate
from intake.errors import CapabilityRefused, CheckBackBusy
from intake.i18n import LANGUAGE_COOKIE
from intake.models import Reply, StoredFile, Submission
from intake.pickup import write_pickup_bundle
from intake.purge import purge_picked_up
from keys.signing import SigningKey
from tests.intake.checkback import capability_of, check_back, check_csrf, without_csrf_token
from tests.intake.forms import redirected_once
from tests.intake.reply_bundles import ReplyBundle, deliver, reply_recipient, submit_report
from tests.intake.storage import engine_of, submissions
from tests.support import WAIT_SECONDS

# A browser session's check-back binding (intake/seal_binding.py): 22 characters.
BINDING = b"b" * 22
REPLY_CANARY = "HAVEN-REPLY-CANARY-2c9e41"
FOLLOW_UP_CANARY = "HAVEN-FOLLOW-UP-CANARY-8d1f07"


@dataclasses.dataclass
class Case:
    code: str
    id: str


@pytest.fixture
def case(app: Flask, client: FlaskClient) -> Case:
    """A published report and its receipt code."""
    code = submit_report(client)
    (submission_id,) = submissions(engine_of(app))
    return Case(code, submission_id)


@pytest.fixture
def private_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TMPDIR for this test alone, so anything spooled there can be searched."""
    directory = tmp_path / "tmpdir"
    directory.mkdir()
    monkeypatch.setenv("TMPDIR", str(directory))
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    yield directory


def send_replies(
    app: Flask, data_dir: Path, case: Case, tmp_path: Path, *texts: tuple[str | None, str]
) -> list[str]:
    bundle = ReplyBundle(SigningKey.generate())
    recipient = reply_recipient(engine_of(app), case.id)
    ids = [bundle.add(recipient, case.id, status=status, text=text) for status, text in texts]
    deliver(engine_of(app), data_dir, bundle, tmp_path / f"{bundle.bundle_id}.tar")
    return ids


def everything_stored(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as connection:
        return (
            connection.execute(select(Submission.id, Submission.state)).all(),
            connection.execute(select(StoredFile.id, StoredFile.sha256)).all(),
            connection.execute(select(Reply.id, Reply.hidden)).all(),
        )


def test_a_right_code_shows_the_replies_in_order_in_the_reporters_language(
    app: Flask, client: FlaskClient, data_dir: Path, case: Case, tmp_path: Path
) -> None:
    send_replies(
        app, data_dir, case, tmp_path, ("received", "Merci, premier."), (None, "<b>second</b>")
    )
    send_replies(app, data_dir, case, tmp_path, ("reading", "troisième"))
    client.set_cookie(LANGUAGE_COOKIE, "fr")
    page = check_back(client, case.code.upper().replace(" ", "-")).get_data(as_text=True)
    first, second, third = (
        page.index(t) for t in ("Merci, premier.", "&lt;b&gt;second&lt;/b&gt;", "troisième")
    )
    assert first < second < third
    assert "<b>second</b>" not in page
    assert 'dir="auto">troisième' in page
    # The latest canned status is the case's, in the reporter's language.
    assert '<p class="status">Nous lisons votre signalement.</p>' in page
    assert "2 janvier 2031" in page


def test_a_case_without_replies_says_so(client: FlaskClient, case: Case) -> None:
    page = check_back(client, case.code).get_data(as_text=True)
    assert "There is no reply yet." in page


def test_a_wrong_code_gets_the_one_generic_answer_and_both_run_argon2(
    client: FlaskClient, case: Case, derivations: list[str]
) -> None:
    other = keys.receipt.generate_receipt_code()
    wrong = check_back(client, other)
    not_a_code = check_back(client, "not a code at all")
    right = check_back(client, case.code)
    assert wrong.status_code == not_a_code.status_code == right.status_code == 200
    # One page, byte for byte, but for the CSRF token's one-second timestamp.
    assert without_csrf_token(wrong) == without_csrf_token(not_a_code)
    assert "could not open a report with this code" in wrong.get_data(as_text=True)
    assert "could not open" not in right.get_data(as_text=True)
    # Three attempts, three full derivations: the malformed one on a stand-in code.
    assert len(derivations) == 3
    assert derivations[0] == other and derivations[2] == case.code


def test_non_utf8_oversize_and_missing_csrf_are_refused_and_change_nothing(
    app: Flask, client: FlaskClient, case: Case, derivations: list[str]
) -> None:
    before = everything_stored(engine_of(app))
    token = check_csrf(client)
    latin1 = client.post(
        "/check",
        data=b"csrf_token=" + token.encode() + b"&code=caf\xe9+\xff\xfe",
        content_type="application/x-www-form-urlencoded",
        follow_redirects=True,
    )
    assert b"could not open" in redirected_once(latin1).get_data()
    huge = client.post(
        "/check",
        data={"csrf_token": token, "code": "abacus " * 1_500_000},
        follow_redirects=True,
    )
    assert b"could not open" in redirected_once(huge).get_data()
    # Even a refused token answers 303: the code typed stays in no history entry.
    no_csrf = client.post("/check", data={"code": case.code}, follow_redirects=True)
    assert b"had expired" in redirected_once(no_csrf).get_data()
    # None can be a code, so none reached Argon2 (and none could tell anything about codes).
    assert derivations == []
    assert everything_stored(engine_of(app)) == before


def test_the_code_field_is_never_remembered_by_the_browser(client: FlaskClient) -> None:
    page = client.get("/check").get_data(as_text=True)
    (field,) = [line for line in page.splitlines() if 'name="code"' in line]
    for attribute in (
        'type="text"',
        'autocomplete="off"',
        'spellcheck="false"',
        'autocapitalize="none"',
    ):
        assert attribute in field
    assert 'method="post"' in page and "?code=" not in page and "&code=" not in page
    response = check_back(client, "abacus " * 7)
    for step in (*response.history, response):
        assert all("abacus" not in cookie for cookie in step.headers.getlist("Set-Cookie"))


def test_every_page_links_to_the_check_back_page(client: FlaskClient, case: Case) -> None:
    for path in ("/", "/danger", "/report", "/check"):
        assert 'href="/check"' in client.get(path).get_data(as_text=True), path


def test_hiding_a_reply_needs_the_capability_and_keeps_the_row(
    app: Flask, client: FlaskClient, data_dir: Path, case: Case, tmp_path: Path
) -> None:
    shown, hidden = send_replies(
        app, data_dir, case, tmp_path, (None, "keep me"), (None, "hide me")
    )
    capability = capability_of(check_back(client, case.code))
    token = check_csrf(client)
    forged = client.post(
        "/check/hide", data={"csrf_token": token, "capability": "c1.x.y", "reply_id": hidden}
    )
    assert forged.status_code == 403
    done = client.post(
        "/check/hide",
        data={"csrf_token": token, "capability": capability, "reply_id": hidden},
        follow_redirects=True,
    )
    # A 303 to a GET, so the capability stays in no history entry.
    assert "hidden" in redirected_once(done).get_data(as_text=True)
    page = check_back(client, case.code).get_data(as_text=True)
    assert "keep me" in page and "hide me" not in page
    with engine_of(app).connect() as connection:
        assert dict(connection.execute(select(Reply.id, Reply.hidden)).all()) == {
            shown: False,
            hidden: True,
        }


def test_a_capability_for_one_case_cannot_hide_another_cases_reply(
    app: Flask, client: FlaskClient, data_dir: Path, case: Case, tmp_path: Path
) -> None:
    (reply,) = send_replies(app, data_dir, case, tmp_path, (None, "theirs"))
    other_code = submit_report(client)
    capability = capability_of(check_back(client, other_code))
    response = client.post(
        "/check/hide",
        data={"csrf_token": check_csrf(client), "capability": capability, "reply_id": reply},
        follow_redirects=True,
    )
    assert redirected_once(response).status_code == 404
    with engine_of(app).connect() as connection:
        assert connection.execute(select(Reply.hidden)).scalar_one() is False


def test_capabilities_expire_and_cannot_be_forged_or_moved(config: IntakeConfig) -> None:
    now = [1_000_000.0]
    issuer = CapabilityIssuer(key=capability_key(config.secret_key), now=lambda: now[0])
    case_id = "a" * 32
    token = issuer.issue(case_id=case_id, binding=BINDING)
    assert issuer.case_of(token, binding=BINDING) == case_id
    prefix, payload, mac = token.split(".")
    moved = CapabilityIssuer(key=capability_key(config.secret_key)).issue(
        case_id="b" * 32, binding=BINDING
    )
    for forged in (
        f"{prefix}.{moved.split('.')[1]}.{mac}",  # another case's payload under this MAC
        f"{prefix}.{payload}.{'A' * len(mac)}",
        CapabilityIssuer(key=capability_key(b"\x01" * 32), now=lambda: now[0]).issue(
            case_id=case_id, binding=BINDING
        ),
        "",
        "c2..",
        f"c1.{payload}.{mac}",  # the unbound format of before
    ):
        with pytest.raises(CapabilityRefused):
            issuer.case_of(forged, binding=BINDING)
    now[0] += CAPABILITY_SECONDS - 1
    assert issuer.case_of(token, binding=BINDING) == case_id
    now[0] += 1
    with pytest.raises(CapabilityRefused, match="expired"):
        issuer.case_of(token, binding=BINDING)


@pytest.mark.parametrize("binding", [b"c" * 22, None])
def test_a_capability_works_only_in_the_session_it_was_issued_to(
    config: IntakeConfig, binding: bytes | None
) -> None:
    issuer = CapabilityIssuer(key=capability_key(config.secret_key))
    with pytest.raises(CapabilityRefused, match="session"):
        issuer.case_of(issuer.issue(case_id="a" * 32, binding=BINDING), binding=binding)


def test_a_copied_capability_adds_nothing_and_hides_nothing_from_another_browser(
    app: Flask, client: FlaskClient, case: Case
) -> None:
    """The results page's hidden capability, copied alone into another browser (one
    with a session of its own), sends no follow-up and hides no reply there."""
    capability = capability_of(check_back(client, case.code))
    other = app.test_client()
    check_back(other, keys.receipt.generate_receipt_code())  # a session, no case
    response = follow_up(other, capability, message="not the reporter")
    assert response.status_code == 403 and "had expired" in response.get_data(as_text=True)
    assert sorted(submissions(engine_of(app)).values()) == ["published"]
    # In the browser that typed the code, the same capability still works.
    assert follow_up(client, capability, message="more").status_code == 200
    assert sorted(submissions(engine_of(app)).values()) == ["published", "published"]


def test_a_capability_made_by_one_node_is_accepted_by_another(
    config: IntakeConfig, case: Case, app: Flask
) -> None:
    # Two app instances on the same data directory: two workers, or two nodes.
    other = create_app(config)
    try:
        browser = app.test_client()
        capability = capability_of(check_back(browser, case.code))
        # The same browser, its next request answered by the other node.
        client = other.test_client()
        session_cookie = browser.get_cookie(SESSION_COOKIE_NAME)
        assert session_cookie is not None
        client.set_cookie(SESSION_COOKIE_NAME, session_cookie.value)
        response = client.post(
            "/check/follow-up",
            content_type="multipart/form-data",
            data={
                "csrf_token": check_csrf(client),
                "capability": capability,
                "message": "from node two",
            },
            follow_redirects=True,
        )
        assert redirected_once(response).status_code == 200, response.status_code
    finally:
        engine_of(other).dispose()
    assert sorted(submissions(engine_of(app)).values()) == ["published", "published"]


def follow_up(client: FlaskClient, capability: str, **data: Any) -> Any:
    """POST a follow-up and return the page its 303 leads to."""
    return redirected_once(client.post(
        "/check/follow-up",
        content_type="multipart/form-data",
        data={"csrf_token": check_csrf(client), "capability": capability, **data},
        follow_redirects=True,
    ))  # fmt: skip


def test_a_follow_up_with_a_file_and_a_consent_change_reaches_the_reviewers(
    app: Flask,
    client: FlaskClient,
    case: Case,
    tmp_path: Path,
    reviewer: keys.X25519Identity,
    private_tmpdir: Path,
    caplog: pytest.LogCaptureFixture,
    data_dir: Path,
) -> None:
    import io

    caplog.set_level(logging.DEBUG)
    send_replies(app, data_dir, case, tmp_path, ("reading", REPLY_CANARY))
    results = check_back(client, case.code)
    assert REPLY_CANARY in results.get_data(as_text=True)
    photo = (FOLLOW_UP_CANARY.encode() + b"\n") * 5000
    response = follow_up(
        client,
        capability_of(results),
        message=FOLLOW_UP_CANARY,
        change_consent="y",
        consent=["ngos", "lawyers"],
        police_country="",
        attachments=[(io.BytesIO(photo), "call-log.png", "image/png")],
    )
    assert response.status_code == 200
    bundle = tmp_path / "pickup.tar"
    write_pickup_bundle(
        engine_of(app), bundle, today=date(2031, 1, 3), signing_key=SigningKey.generate()
    )
    with tarfile.open(bundle) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert manifest["version"] == 4
        entries = {entry["id"]: entry for entry in manifest["submissions"]}
        (follow_up_id,) = set(entries) - {case.id}
        assert entries[case.id]["follows"] is None
        assert entries[follow_up_id]["follows"] == case.id
        assert entries[follow_up_id]["reply_recipient"] is None
        prefix = f"submissions/{follow_up_id}/"
        report = tar.extractfile(prefix + "report.age").read()  # type: ignore[union-attr]
        stored = tar.extractfile(prefix + "attachment-001.age").read()  # type: ignore[union-attr]
    document = json.loads(keys.decrypt(report, identities=[reviewer]))
    assert document["format"] == "haven-follow-up" and document["version"] == 1
    assert document["follows"] == case.id and document["message"] == FOLLOW_UP_CANARY
    assert document["consent"] == {"consent": ["ngos", "lawyers"], "police_country": ""}
    (attachment,) = document["attachments"]
    assert attachment["original_name"] == "call-log.png" and attachment["size"] == len(photo)
    assert keys.decrypt(stored, identities=[reviewer]) == photo
    # No plaintext of the reply or the follow-up anywhere intake writes.
    for directory in (data_dir, private_tmpdir):
        for path in directory.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert REPLY_CANARY.encode() not in data, path
                assert FOLLOW_UP_CANARY.encode() not in data, path
    assert REPLY_CANARY not in caplog.text and FOLLOW_UP_CANARY not in caplog.text
    assert case.code not in caplog.text


def test_a_follow_up_without_consent_change_sends_null(
    app: Flask, client: FlaskClient, case: Case, reviewer: keys.X25519Identity
) -> None:
    capability = capability_of(check_back(client, case.code))
    # The consent boxes are ticked but the change box is not: unchanged means null.
    assert follow_up(client, capability, message="more", consent=["police"]).status_code == 200
    document = follow_up_document(app, case, reviewer)
    assert document["consent"] is None and document["attachments"] == []


def follow_up_document(app: Flask, case: Case, reviewer: keys.X25519Identity) -> dict[str, Any]:
    engine = engine_of(app)
    with engine.connect() as connection:
        follow_up_id = connection.execute(
            select(Submission.id).where(Submission.follows == case.id)
        ).scalar_one()
    from tests.intake.storage import stored_files

    return json.loads(
        keys.decrypt(stored_files(engine, follow_up_id)["report.age"], identities=[reviewer])
    )


def test_an_empty_follow_up_comes_back_with_what_was_typed(
    app: Flask, client: FlaskClient, case: Case
) -> None:
    capability = capability_of(check_back(client, case.code))
    response = follow_up(client, capability, message="   ", police_country="TR")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please write a message, attach a file" in page
    assert '<option selected value="TR">Türkiye</option>' in page
    assert capability in page
    assert sorted(submissions(engine_of(app)).values()) == ["published"]


def test_an_expired_capability_keeps_the_message_and_stores_no_file(
    app: Flask, client: FlaskClient, case: Case
) -> None:
    import io

    state = app.extensions["haven_intake"]
    past = CapabilityIssuer(key=capability_key(state.config.secret_key), now=lambda: 0.0)
    with client.session_transaction() as session:
        session["case_binding"] = BINDING.decode()
    stale = past.issue(case_id=case.id, binding=BINDING)
    response = follow_up(
        client, stale, message="typed with care", attachments=[(io.BytesIO(b"x" * 1000), "a.txt")]
    )
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "had expired" in page and "typed with care" in page
    assert list(submissions(engine_of(app)).values()) == ["published"]
    with engine_of(app).connect() as connection:
        assert len(connection.execute(select(StoredFile.id)).all()) == 1  # the report's


def test_a_code_racing_a_purge_gets_a_clear_answer_and_nothing_is_stored(
    app: Flask, client: FlaskClient, case: Case, tmp_path: Path
) -> None:
    capability = capability_of(check_back(client, case.code))
    engine = engine_of(app)
    write_pickup_bundle(
        engine, tmp_path / "p.tar", today=date(2031, 1, 1), signing_key=SigningKey.generate()
    )
    purge_picked_up(engine, today=date(2031, 2, 1), retention_days=14)
    assert submissions(engine) == {}
    # The page opened before the purge: its follow-up is refused, nothing is kept.
    response = follow_up(client, capability, message="after the purge")
    assert response.status_code == 404 and b"Nothing was saved" in response.get_data()
    assert submissions(engine) == {}
    # The code itself now opens nothing: the one generic answer.
    assert b"could not open" in check_back(client, case.code).get_data()


def test_past_the_ceiling_a_check_back_is_told_to_wait_before_argon2(
    config: IntakeConfig, case: Case, derivations: list[str], app: Flask
) -> None:
    limited = create_app(dataclasses.replace(config, checkbacks_per_minute=1))
    try:
        client = limited.test_client()
        assert check_back(client, case.code).status_code == 200
        busy = check_back(client, case.code)
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "60"
        assert b"try again" in busy.get_data()
    finally:
        engine_of(limited).dispose()
    assert len(derivations) == 1


def test_check_backs_never_take_the_last_slot_from_submissions() -> None:
    gate = DerivationGate(slots=4, checkbacks_per_minute=100, checkback_wait_seconds=0)
    entered = threading.Event()
    with ExitStack() as held:
        for _ in range(gate.checkback_slots):
            held.enter_context(gate.for_check_back())
        with pytest.raises(CheckBackBusy):
            held.enter_context(gate.for_check_back())

        def submit() -> None:
            with gate.for_submission():
                entered.set()

        thread = threading.Thread(target=submit)
        thread.start()
        # Waits on the event, not on time: it is set at once unless submissions starve.
        assert entered.wait(WAIT_SECONDS)
        thread.join(WAIT_SECONDS)


def test_the_ceiling_counts_a_sliding_minute() -> None:
    now = [0.0]
    gate = DerivationGate(slots=2, checkbacks_per_minute=2, clock=lambda: now[0])
    for _ in range(2):
        with gate.for_check_back():
            pass
    with pytest.raises(CheckBackBusy), gate.for_check_back():
        pass
    now[0] += 60.0
    with gate.for_check_back():
        pass


def test_a_follow_up_sent_twice_adds_one(
    app: Flask, client: FlaskClient, case: Case, reviewer: keys.X25519Identity
) -> None:
    """The follow-up form, like the report's, cannot be sent again once it was (a double
    click, or a copy of the request replayed with the session cookie and capability)."""
    capability = capability_of(check_back(client, case.code))
    data = {"csrf_token": check_csrf(client), "capability": capability, "message": "once"}
    first = client.post("/check/follow-up", content_type="multipart/form-data", data=data)
    assert first.status_code == 303
    again = client.post("/check/follow-up", content_type="multipart/form-data", data=data)
    assert again.status_code == 400
    with engine_of(app).connect() as connection:
        follow_ups = connection.execute(
            select(Submission.id).where(Submission.follows == case.id)
        ).all()
    assert len(follow_ups) == 1
    assert follow_up_document(app, case, reviewer)["message"] == "once"
