"""One exception per way an age file, key, signature, receipt code or passphrase can be bad.

Every failure keys/ raises is a `KeysError`. Under it, `AgeError` gathers the
age format's failures (files, headers, armor, identities and recipients), so a
caller opening an age file catches exactly those; signatures, receipt codes and
passphrases are siblings of it, not kinds of broken age file. The subclasses
exist so tests and the command line can say *which* check failed, never to leak
key material: messages name the rule that was broken, not the bytes that broke it.
"""

from __future__ import annotations


class KeysError(Exception):
    """Base class of every failure raised by keys/."""


class AgeError(KeysError):
    """Base class of the age format's failures: anything that makes a file or key unusable."""


class ArmorError(AgeError):
    """The ASCII armor around an age file is malformed."""


class HeaderError(AgeError):
    """The age header is malformed or violates the specification."""


class HeaderMACError(HeaderError):
    """The header MAC does not verify: the header was altered."""


class NoIdentityMatchError(AgeError):
    """None of the given identities can unwrap the file key."""


class PayloadError(AgeError):
    """The encrypted payload is truncated, altered, or has trailing data."""


class RecipientError(AgeError):
    """A recipient string or recipients file is invalid."""


class MixedRecipientsError(RecipientError):
    """Post-quantum and classic recipients were mixed in one file."""


class IdentityError(AgeError):
    """An identity string or identity file is invalid."""


class WrongPassphraseError(IdentityError):
    """A passphrase-protected identity file did not open with the passphrase given.

    Said as such, because "no identity matched any of the recipients" (what
    decryption alone can tell) sends a person looking in the wrong place.
    """


class Bech32Error(AgeError):
    """A Bech32 string is malformed or its checksum does not verify."""


class SignatureError(KeysError):
    """A signature, or a signing or verifying key, is invalid."""


# Also a ValueError, as it was before it joined the family: a receipt code is a
# value the reporter typed, and code that refuses bad values catches it as one.
class ReceiptError(KeysError, ValueError):
    """A receipt code is not made of words from the list, or has too few of them."""


class ReceiptDigitCountError(ReceiptError):
    """A receipt code in digits has a number of digits no code has (one dropped or doubled)."""

    def __init__(self, message: str, *, digit_count: int) -> None:
        super().__init__(message)
        self.digit_count = digit_count


class ReceiptCheckDigitError(ReceiptError):
    """A group of a receipt code in digits fails its check digit: a typo, caught before Argon2.

    `groups` numbers the failing groups from 1, as the receipt page numbers them,
    so the reporter is sent to the group to correct. The check digits are a
    public function of the code's own digits, so saying which group fails tells
    nothing about any code that exists.
    """

    def __init__(self, message: str, *, groups: tuple[int, ...]) -> None:
        super().__init__(message)
        self.groups = groups


class DerivationMemoryUnavailable(KeysError):
    """The memory a receipt derivation needs could not be had (mmap refused it): try later."""


class PassphraseUnavailable(KeysError):
    """No terminal to ask on, or the passphrase file cannot be used."""


class OutputError(KeysError):
    """The output path cannot be written safely (a symbolic link, a directory)."""
