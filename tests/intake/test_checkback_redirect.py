"""POST /check answers 303: the receipt code stays in no history entry (issue 12).

The case crosses the redirect sealed in a cookie limited to the results page
(intake/checkback_seal.py); a code that opens nothing leaves a one-word note.
"""

from __future__ import annotations

import dataclasses
import itertools
from http.cookies import SimpleCookie

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import keys.receipt
from intake.capability import CAPABILITY_SECONDS, CapabilityIssuer, capability_key
from intake.checkback_seal import OpenedCaseSealer, OpenedCaseTicket, case_seal_key
from intake.errors import SealRefused
from intake.receipt_seal import seal_key
from intake.state import EXTENSION_KEY
from keys.hybrid import HybridIdentity
from tests.intake.checkback import check_csrf
from tests.intake.forms import redirected_once
from tests.intake.reply_bundles import submit_report

RESULTS = "/check/results"
NOT_FOUND = "could not open a report with this code"
# A browser session's binding (intake/seal_binding.py): 22 characters.
BINDING = b"b" * 22


def post_code(client: FlaskClient, code: str, **fields: str) -> TestResponse:
    """POST a code without following the redirect."""
    return client.post("/check", data={"csrf_token": check_csrf(client), "code": code, **fields})


def case_cookie(response: TestResponse) -> SimpleCookie:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("haven_case=")]
    cookie = SimpleCookie()
    cookie.load(header)
    return cookie


def test_a_right_code_answers_303_with_the_case_sealed_in_a_cookie(
    app: Flask, client: FlaskClient
) -> None:
    code = submit_report(client)
    response = post_code(client, code)
    assert response.status_code == 303 and response.headers["Location"] == RESULTS
    morsel = case_cookie(response)["haven_case"]
    assert morsel["path"] == RESULTS and morsel["httponly"] and morsel["samesite"] == "Strict"
    # Without expiry: a browser not restoring its last session never writes it to disk.
    assert not morsel["expires"] and not morsel["max-age"]
    # The test app runs with HAVEN_PLAIN_HTTP, the one case the cookie is not Secure.
    assert not morsel["secure"]
    words = code.split()
    digits = "".join(keys.receipt.receipt_code_digit_groups(code))
    everything = response.get_data(as_text=True) + str(response.headers)
    # Every two words in a row, however joined: a single short word turns up by chance
    # in base64 text (the sealed cookie) about once in a few hundred runs.
    pairs = [f"{first}{joint}{second}" for first, second in itertools.pairwise(words)
             for joint in (" ", "+", "%20", "-", "")]  # fmt: skip
    assert not any(pair in everything for pair in pairs) and digits not in everything
    page = client.get(RESULTS)
    assert page.status_code == 200 and "There is no reply yet." in page.get_data(as_text=True)


def test_a_reload_shows_the_results_while_the_capability_lives_and_not_after(
    app: Flask, client: FlaskClient
) -> None:
    code = submit_report(client)
    post_code(client, code)
    assert "There is no reply yet." in client.get(RESULTS).get_data(as_text=True)
    assert "There is no reply yet." in client.get(RESULTS).get_data(as_text=True)
    state = app.extensions[EXTENSION_KEY]
    later = CapabilityIssuer(
        key=capability_key(state.config.secret_key),
        now=lambda: 2**40,
    )
    app.extensions[EXTENSION_KEY] = dataclasses.replace(state, capabilities=later)
    expired = client.get(RESULTS)
    assert expired.status_code == 403 and "had expired" in expired.get_data(as_text=True)
    assert "There is no reply yet." not in expired.get_data(as_text=True)


def test_after_the_quick_exit_the_results_open_nothing(client: FlaskClient) -> None:
    code = submit_report(client)
    post_code(client, code)
    exited = client.get("/exit")
    assert any(h.startswith("haven_case=;") for h in exited.headers.getlist("Set-Cookie"))
    assert '"cookies"' in exited.headers["Clear-Site-Data"]
    back = client.get(RESULTS)
    assert back.status_code == 303 and back.headers["Location"] == "/check"


def test_a_copied_case_cookie_opens_nothing_in_another_browser(
    app: Flask, client: FlaskClient
) -> None:
    """The sealed case, copied out of the browser that typed the code, opens no reply,
    no follow-up form and no capability anywhere else while the capability lives."""
    code = submit_report(client)
    sealed = case_cookie(post_code(client, code))["haven_case"].value
    other = app.test_client()
    check_csrf(other)  # a session of its own
    other.set_cookie("haven_case", sealed, path=RESULTS)
    copied = other.get(RESULTS)
    assert copied.status_code == 403 and "had expired" in copied.get_data(as_text=True)
    assert "There is no reply yet." not in copied.get_data(as_text=True)
    # The browser that typed the code still reads its case.
    assert "There is no reply yet." in client.get(RESULTS).get_data(as_text=True)


@pytest.mark.parametrize("binding", [b"c" * 22, None])
def test_a_sealed_case_opens_only_for_its_session(
    sealer_at: tuple[list[float], OpenedCaseSealer], binding: bytes | None
) -> None:
    _now, sealer = sealer_at
    ticket = OpenedCaseTicket(capability="c1.a.b", reply_identity=HybridIdentity.generate())
    with pytest.raises(SealRefused, match="session"):
        sealer.open(sealer.seal(ticket, binding=BINDING), binding=binding)


def test_every_wrong_code_gets_the_same_redirect_and_the_note_is_shown_once(
    client: FlaskClient,
) -> None:
    submit_report(client)
    answers = []
    for code in (keys.receipt.generate_receipt_code(), "not a code at all"):
        response = post_code(client, code)
        assert response.status_code == 303 and response.headers["Location"] == "/check"
        assert not [h for h in response.headers.getlist("Set-Cookie") if "haven_case" in h]
        answers.append(client.get("/check").get_data())
    assert answers[0] == answers[1] and NOT_FOUND.encode() in answers[0]
    assert NOT_FOUND not in client.get("/check").get_data(as_text=True)


def test_a_message_carried_over_survives_a_wrong_code_and_reaches_the_results_once(
    app: Flask, client: FlaskClient
) -> None:
    code = submit_report(client)
    wrong = client.post(
        "/check",
        data={
            "csrf_token": check_csrf(client),
            "code": keys.receipt.generate_receipt_code(),
            "message": "typed before it expired",
        },
        follow_redirects=True,
    )
    page = redirected_once(wrong).get_data(as_text=True)
    assert NOT_FOUND in page and "typed before it expired" in page and "had expired" not in page
    right = client.post(
        "/check",
        data={"csrf_token": check_csrf(client), "code": code, "message": "typed before it expired"},
        follow_redirects=True,
    )
    assert redirected_once(right).request.path == RESULTS
    assert "typed before it expired" in right.get_data(as_text=True)
    reloaded = client.get(RESULTS).get_data(as_text=True)
    assert "There is no reply yet." in reloaded and "typed before it expired" not in reloaded


@pytest.fixture
def sealer_at() -> tuple[list[float], OpenedCaseSealer]:
    now = [1_000_000.0]
    return now, OpenedCaseSealer(key=case_seal_key(b"k" * 32), now=lambda: now[0])


def test_a_sealed_case_opens_until_the_capability_would_expire(
    sealer_at: tuple[list[float], OpenedCaseSealer],
) -> None:
    now, sealer = sealer_at
    identity = HybridIdentity.generate()
    ticket = OpenedCaseTicket(capability="c1.a.b", reply_identity=identity)
    token = sealer.seal(ticket, binding=BINDING)
    assert str(identity) not in token
    opened = sealer.open(token, binding=BINDING)
    assert opened.capability == "c1.a.b" and str(opened.reply_identity) == str(identity)
    now[0] += CAPABILITY_SECONDS - 1
    sealer.open(token, binding=BINDING)
    now[0] += 1
    with pytest.raises(SealRefused, match="expired"):
        sealer.open(token, binding=BINDING)


@pytest.mark.parametrize("change", ["other key", "flipped byte", "receipt prefix", "too long"])
def test_a_sealed_case_refuses_every_alteration(
    sealer_at: tuple[list[float], OpenedCaseSealer], change: str
) -> None:
    now, sealer = sealer_at
    token = sealer.seal(
        OpenedCaseTicket(capability="c1.a.b", reply_identity=HybridIdentity.generate()),
        binding=BINDING,
    )
    prefix, _, body = token.partition(".")
    altered = {
        "other key": OpenedCaseSealer(key=case_seal_key(b"o" * 32), now=lambda: now[0]).seal(
            sealer.open(token, binding=BINDING), binding=BINDING
        ),
        "flipped byte": f"{prefix}.{body[:20]}{'A' if body[20] != 'A' else 'B'}{body[21:]}",
        "receipt prefix": f"r1.{body}",
        "too long": f"{token}{'A' * 600}",
    }[change]
    with pytest.raises(SealRefused):
        sealer.open(altered, binding=BINDING)


def test_the_seal_key_is_not_the_receipt_seal_key() -> None:
    assert case_seal_key(b"s" * 32) != seal_key(b"s" * 32)
