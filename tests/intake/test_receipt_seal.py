"""The receipt code sealed for the receipt page's language buttons: opens here, until expiry."""

from __future__ import annotations

import html
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.app import SESSION_COOKIE_NAME
from intake.errors import SealRefused
from intake.receipt_seal import SEAL_SECONDS, ReceiptSealer, seal_key
from intake.views import RECEIPT_COOKIE, RECEIPT_PATH
from tests.intake import multipart
from tests.intake.forms import csrf_token

CODE = "exorcism untoasted tarantula pregnancy coastland mammal sprint"
# A browser session's binding (intake/seal_binding.py): 22 characters.
BINDING = b"b" * 22
CODE_ON_PAGE = re.compile(r'<p class="receipt-code"')


def _sealer(now: float = 1_000_000.0, secret: bytes = b"s" * 32) -> ReceiptSealer:
    return ReceiptSealer(key=seal_key(secret), now=lambda: now)


def test_a_sealed_code_opens_to_itself_and_shows_nothing_of_it() -> None:
    sealed = _sealer().seal(CODE, binding=BINDING)
    assert _sealer().open(sealed, binding=BINDING) == CODE
    assert not any(word in sealed for word in CODE.split())
    assert _sealer().seal(CODE, binding=BINDING) != sealed  # a fresh nonce each time


def test_a_sealed_code_expires() -> None:
    sealed = _sealer(now=1_000_000.0).seal(CODE, binding=BINDING)
    assert _sealer(now=1_000_000.0 + SEAL_SECONDS - 1).open(sealed, binding=BINDING) == CODE
    with pytest.raises(SealRefused, match="expired"):
        _sealer(now=1_000_000.0 + SEAL_SECONDS).open(sealed, binding=BINDING)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],
        lambda t: "r3" + t[2:],
        lambda t: "r1" + t[2:],  # the unbound format of before
        lambda t: t + "A" * 400,
        lambda t: "r2.",
        lambda t: "r2.é",
        lambda t: "",
    ],
)
def test_an_altered_or_foreign_seal_is_refused(mangle: object) -> None:
    sealed = _sealer().seal(CODE, binding=BINDING)
    with pytest.raises(SealRefused):
        _sealer().open(mangle(sealed), binding=BINDING)  # type: ignore[operator]


def test_another_instance_cannot_open_it() -> None:
    with pytest.raises(SealRefused):
        _sealer(secret=b"t" * 32).open(_sealer().seal(CODE, binding=BINDING), binding=BINDING)


def test_a_code_sealed_again_keeps_the_expiry_it_had() -> None:
    first = _sealer(now=1_000_000.0).seal(CODE, binding=BINDING)
    code, expires = _sealer(now=1_000_000.0 + 3_000).open_with_expiry(first, binding=BINDING)
    again = _sealer(now=1_000_000.0 + 3_000).seal(code, binding=BINDING, expires=expires)
    assert _sealer(now=1_000_000.0 + SEAL_SECONDS - 1).open(again, binding=BINDING) == CODE
    with pytest.raises(SealRefused, match="expired"):
        _sealer(now=1_000_000.0 + SEAL_SECONDS).open(again, binding=BINDING)
    # Never later than a fresh seal would be, whatever expiry is asked for.
    late = _sealer(now=1_000_000.0).seal(CODE, binding=BINDING, expires=2_000_000)
    assert _sealer().open_with_expiry(late, binding=BINDING)[1] == 1_000_000 + SEAL_SECONDS


def test_showing_the_receipt_again_never_extends_its_seal(app: Flask, client: FlaskClient) -> None:
    """A copy of the seal kept anywhere opens nothing an hour after the report, however
    often the receipt page or its language buttons are shown with it."""
    sealer = ReceiptSealer(key=seal_key(app.extensions["haven_intake"].config.secret_key))
    expires = int(time.time()) + 100  # near its end
    with client.session_transaction() as session:
        session["receipt_binding"] = BINDING.decode()
    client.set_cookie(RECEIPT_COOKIE, sealer.seal(CODE, binding=BINDING, expires=expires),
                      path=RECEIPT_PATH)  # fmt: skip
    page = client.get(RECEIPT_PATH).get_data(as_text=True)
    field = re.search(r'name="receipt" value="([^"]+)"', page)
    assert field, "the receipt page carries no sealed code"
    assert sealer.open_with_expiry(html.unescape(field.group(1)), binding=BINDING) == (
        CODE, expires)  # fmt: skip
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    answer = client.post("/receipt/language", data={
        "csrf_token": token.group(1), "receipt": html.unescape(field.group(1)), "lang": "fr"})
    assert answer.status_code == 303
    cookie = client.get_cookie(RECEIPT_COOKIE, path=RECEIPT_PATH)
    assert cookie is not None
    assert sealer.open_with_expiry(cookie.value, binding=BINDING) == (CODE, expires)


@pytest.mark.parametrize("binding", [b"c" * 22, b"", None])
def test_a_seal_opens_only_for_the_session_it_was_sealed_for(binding: bytes | None) -> None:
    with pytest.raises(SealRefused, match="session"):
        _sealer().open(_sealer().seal(CODE, binding=BINDING), binding=binding)


def _reported(app: Flask, browser: FlaskClient | None = None) -> tuple[FlaskClient, str]:
    """A browser (a new one unless given) that just sent a report, and its receipt cookie."""
    browser = browser or app.test_client()
    body = multipart.body([multipart.field("csrf_token", csrf_token(browser)),
                           multipart.field("narrative", "they came to my flat")])  # fmt: skip
    sent = browser.post("/report", data=body, content_type=multipart.CONTENT_TYPE)
    assert sent.status_code == 303
    cookie = browser.get_cookie(RECEIPT_COOKIE, path=RECEIPT_PATH)
    assert cookie is not None
    return browser, cookie.value


@pytest.mark.parametrize("elsewhere", ["a fresh browser", "a browser with its own session"])
def test_a_copied_receipt_cookie_opens_nothing_in_another_browser(
    app: Flask, elsewhere: str
) -> None:
    """Copied out of the browser that reported (its cache, an extension, a photo of the
    developer tools), the sealed cookie shows no code anywhere else, within its hour."""
    reporter, sealed = _reported(app)
    other = app.test_client()
    if elsewhere == "a browser with its own session":
        _reported(app)  # irrelevant: the other browser's session is its own
        csrf_token(other)
    other.set_cookie(RECEIPT_COOKIE, sealed, path=RECEIPT_PATH)
    gone = other.get(RECEIPT_PATH)
    assert gone.status_code == 410 and not CODE_ON_PAGE.search(gone.get_data(as_text=True))
    # The browser that reported still gets its code, once.
    shown = reporter.get(RECEIPT_PATH)
    assert shown.status_code == 200 and CODE_ON_PAGE.search(shown.get_data(as_text=True))


def test_a_copied_language_field_opens_nothing_in_another_browser(app: Flask) -> None:
    reporter, _sealed = _reported(app)
    page = reporter.get(RECEIPT_PATH).get_data(as_text=True)
    field = re.search(r'name="receipt" value="([^"]+)"', page)
    assert field
    other = app.test_client()
    answer = other.post("/receipt/language", data={
        "csrf_token": csrf_token(other), "receipt": html.unescape(field.group(1)), "lang": "fr"})
    assert answer.status_code == 410
    assert other.get_cookie(RECEIPT_COOKIE, path=RECEIPT_PATH) is None


def test_after_the_quick_exit_the_browser_s_own_seal_opens_nothing(app: Flask) -> None:
    """The quick exit forgets the session, and with it every seal made for it."""
    reporter, sealed = _reported(app)
    reporter.get("/exit")
    reporter.set_cookie(RECEIPT_COOKIE, sealed, path=RECEIPT_PATH)  # as if a copy survived
    gone = reporter.get(RECEIPT_PATH)
    assert gone.status_code == 410 and not CODE_ON_PAGE.search(gone.get_data(as_text=True))


def test_the_quick_exit_drops_a_receipt_whose_redirect_was_never_followed(app: Flask) -> None:
    """A report sent, its redirect to the receipt not followed (the tab closed, the
    network gone), then the quick exit: the sealed code does not stay in the jar."""
    reporter, _sealed = _reported(app)
    left = reporter.get("/exit")
    assert any(cookie.startswith(f"{RECEIPT_COOKIE}=;") and "Max-Age=0" in cookie
               and f"Path={RECEIPT_PATH}" in cookie
               for cookie in left.headers.getlist("Set-Cookie"))  # fmt: skip
    assert reporter.get_cookie(RECEIPT_COOKIE, path=RECEIPT_PATH) is None
    assert reporter.get(RECEIPT_PATH).status_code == 410


def test_a_session_planted_beforehand_does_not_bind_the_reporter_s_seal(app: Flask) -> None:
    """Someone sends a report of their own (so their session holds a binding) and plants
    that session cookie in the reporter's browser. The reporter's report draws a new
    binding, so the planter, holding the cookie they planted and a copy of the
    reporter's sealed receipt, opens nothing."""
    planter, _ = _reported(app)
    planted = planter.get_cookie(SESSION_COOKIE_NAME)
    assert planted is not None
    reporter = app.test_client()
    reporter.set_cookie(SESSION_COOKIE_NAME, planted.value)
    _, sealed = _reported(app, reporter)
    planter.set_cookie(SESSION_COOKIE_NAME, planted.value)
    planter.set_cookie(RECEIPT_COOKIE, sealed, path=RECEIPT_PATH)
    gone = planter.get(RECEIPT_PATH)
    assert gone.status_code == 410 and not CODE_ON_PAGE.search(gone.get_data(as_text=True))
    shown = reporter.get(RECEIPT_PATH)
    assert shown.status_code == 200 and CODE_ON_PAGE.search(shown.get_data(as_text=True))
