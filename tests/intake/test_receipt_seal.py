"""The receipt code sealed for the receipt page's language buttons: opens here, until expiry."""

from __future__ import annotations

import pytest

from intake.errors import SealRefused
from intake.receipt_seal import SEAL_SECONDS, ReceiptSealer, seal_key

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
