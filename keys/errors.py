"""One exception per way an age file, key or recipient can be bad.

Callers catch `AgeError` to refuse anything unusable; the subclasses exist so
tests and the command line can say *which* check failed, never to leak key
material: messages name the rule that was broken, not the bytes that broke it.
"""

from __future__ import annotations


class AgeError(Exception):
    """Base class of every failure raised by keys/."""


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


class Bech32Error(AgeError):
    """A Bech32 string is malformed or its checksum does not verify."""


class SignatureError(AgeError):
    """A signature, or a signing or verifying key, is invalid."""
