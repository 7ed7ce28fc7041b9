"""The receipt code sealed for the receipt page's language buttons: opens here, until expiry."""

from __future__ import annotations

import html
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.errors import SealRefused
from intake.receipt_seal import SEAL_SECONDS, ReceiptSealer, seal_key
from intake.views import RECEIPT_COOKIE, RECEIPT_PATH

CODE = "exorcism untoasted tarantula pregnancy coastland mammal sprint"


def _sealer(now: float = 1_000_000.0, secret: bytes = b"s" * 32) -> ReceiptSealer:
    return ReceiptSealer(key=seal_key(secret), now=lambda: now)


def test_a_sealed_code_opens_to_itself_and_shows_nothing_of_it() -> None:
    sealed = _sealer().seal(CODE)
    assert _sealer().open(sealed) == CODE
    assert not any(word in sealed for word in CODE.split())
    assert _sealer().seal(CODE) != sealed  # a fresh nonce each time


def test_a_sealed_code_expires() -> None:
    sealed = _sealer(now=1_000_000.0).seal(CODE)
    assert _sealer(now=1_000_000.0 + SEAL_SECONDS - 1).open(sealed) == CODE
    with pytest.raises(SealRefused, match="expired"):
        _sealer(now=1_000_000.0 + SEAL_SECONDS).open(sealed)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],
        lambda t: "r2" + t[2:],
        lambda t: t + "A" * 400,
        lambda t: "r1.",
        lambda t: "r1.é",
        lambda t: "",
    ],
)
def test_an_altered_or_foreign_seal_is_refused(mangle: object) -> None:
    sealed = _sealer().seal(CODE)
    with pytest.raises(SealRefused):
        _sealer().open(mangle(sealed))  # type: ignore[operator]


def test_another_instance_cannot_open_it() -> None:
    with pytest.raises(SealRefused):
        _sealer(secret=b"t" * 32).open(_sealer().seal(CODE))


def test_a_code_sealed_again_keeps_the_expiry_it_had() -> None:
    first = _sealer(now=1_000_000.0).seal(CODE)
    code, expires = _sealer(now=1_000_000.0 + 3_000).open_with_expiry(first)
    again = _sealer(now=1_000_000.0 + 3_000).seal(code, expires=expires)
    assert _sealer(now=1_000_000.0 + SEAL_SECONDS - 1).open(again) == CODE
    with pytest.raises(SealRefused, match="expired"):
        _sealer(now=1_000_000.0 + SEAL_SECONDS).open(again)
    # Never later than a fresh seal would be, whatever expiry is asked for.
    late = _sealer(now=1_000_000.0).seal(CODE, expires=2_000_000)
    assert _sealer().open_with_expiry(late)[1] == 1_000_000 + SEAL_SECONDS


def test_showing_the_receipt_again_never_extends_its_seal(app: Flask, client: FlaskClient) -> None:
    """A copy of the seal kept anywhere opens nothing an hour after the report, however
    often the receipt page or its language buttons are shown with it (from any browser)."""
    sealer = ReceiptSealer(key=seal_key(app.extensions["haven_intake"].config.secret_key))
    expires = int(time.time()) + 100  # near its end
    client.set_cookie(RECEIPT_COOKIE, sealer.seal(CODE, expires=expires), path=RECEIPT_PATH)
    page = client.get(RECEIPT_PATH).get_data(as_text=True)
    field = re.search(r'name="receipt" value="([^"]+)"', page)
    assert field, "the receipt page carries no sealed code"
    assert sealer.open_with_expiry(html.unescape(field.group(1))) == (CODE, expires)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    answer = client.post("/receipt/language", data={
        "csrf_token": token.group(1), "receipt": html.unescape(field.group(1)), "lang": "fr"})
    assert answer.status_code == 303
    cookie = client.get_cookie(RECEIPT_COOKIE, path=RECEIPT_PATH)
    assert cookie is not None
    assert sealer.open_with_expiry(cookie.value) == (CODE, expires)
