"""One family of exceptions for keys/: KeysError above all, AgeError above the format's."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import keys
import keys.errors
from keys import passphrase, receipt

FORMAT_ERRORS = [
    keys.ArmorError,
    keys.Bech32Error,
    keys.HeaderError,
    keys.HeaderMACError,
    keys.IdentityError,
    keys.MixedRecipientsError,
    keys.NoIdentityMatchError,
    keys.PayloadError,
    keys.RecipientError,
    keys.WrongPassphraseError,
]

RECEIPT_DIGIT_ERRORS = [keys.ReceiptCheckDigitError, keys.ReceiptDigitCountError]


def test_every_exception_of_keys_is_a_keys_error() -> None:
    defined = [
        value
        for _, value in inspect.getmembers(keys.errors, inspect.isclass)
        if issubclass(value, BaseException) and value.__module__ == "keys.errors"
    ]
    # + KeysError, AgeError, the siblings and the two kinds of receipt ReceiptError has
    assert len(defined) == len(FORMAT_ERRORS) + 7 + len(RECEIPT_DIGIT_ERRORS)
    assert all(issubclass(error, keys.KeysError) for error in defined)


@pytest.mark.parametrize("error", FORMAT_ERRORS, ids=lambda error: error.__name__)
def test_the_format_errors_are_age_errors(error: type[keys.KeysError]) -> None:
    assert issubclass(error, keys.AgeError)


@pytest.mark.parametrize(
    "error",
    [keys.SignatureError, keys.ReceiptError, keys.PassphraseUnavailable,
     keys.DerivationMemoryUnavailable],
    ids=lambda error: error.__name__,
)
def test_the_siblings_are_keys_errors_but_not_age_errors(error: type[keys.KeysError]) -> None:
    assert issubclass(error, keys.KeysError)
    assert not issubclass(error, keys.AgeError)


@pytest.mark.parametrize("error", RECEIPT_DIGIT_ERRORS, ids=lambda error: error.__name__)
def test_a_code_in_digits_fails_as_a_receipt_error(error: type[keys.KeysError]) -> None:
    assert issubclass(error, keys.ReceiptError)


def test_receipt_errors_stay_value_errors() -> None:
    with pytest.raises(ValueError):
        receipt.normalize_receipt_code("not a receipt code")


def test_the_old_homes_raise_the_family_members() -> None:
    assert receipt.ReceiptError is keys.ReceiptError
    assert passphrase.PassphraseUnavailable is keys.PassphraseUnavailable


def test_an_unusable_passphrase_file_is_a_keys_error(tmp_path: Path) -> None:
    empty = tmp_path / "passphrase"
    empty.write_text("\n")
    with pytest.raises(keys.KeysError):
        passphrase.read_file(empty)
