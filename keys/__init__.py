"""keys/: the age v1 file format on `cryptography`, with hybrid post-quantum keys.

Every report, attachment and reply in Haven is an age v1 file, so any holder of
the right key can open it with the stock `age` tool as well as with Haven.
This package depends on no other Haven package.

What this module exports is the API; keys.signing, keys.receipt and keys.cli
are public modules of their own. keys.header, keys.armor, keys.stream and
keys.primitives are the wire format's internals: nothing outside keys/ (and its
tests) imports them, so there is one age parser, not one per caller
(tests/keys/test_internals.py holds the line).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keys.errors import (
    AgeError,
    ArmorError,
    Bech32Error,
    DerivationMemoryUnavailable,
    HeaderError,
    HeaderMACError,
    IdentityError,
    KeysError,
    MixedRecipientsError,
    NoIdentityMatchError,
    OutputError,
    PassphraseUnavailable,
    PayloadError,
    ReceiptCheckDigitError,
    ReceiptDigitCountError,
    ReceiptError,
    RecipientError,
    SignatureError,
    WrongPassphraseError,
)

if TYPE_CHECKING:
    from keys.age import (
        AgeWriter,
        check_recipients,
        decrypt,
        decrypt_stream,
        decrypting,
        encrypt,
        encrypt_stream,
        encrypting,
        open_decryptor,
    )
    from keys.files import (
        format_identity_file,
        is_age_file,
        parse_identities,
        read_identity_file,
        read_recipients_file,
        write_identity_file,
    )
    from keys.hybrid import HybridIdentity, HybridRecipient
    from keys.parse import parse_identity, parse_recipient
    from keys.passphrase_header import read_scrypt_parameters
    from keys.recipient import Identity, Recipient
    from keys.scrypt import ScryptIdentity, ScryptParameters, ScryptRecipient
    from keys.seekable import SeekableAgeFile, open_seekable
    from keys.x25519 import X25519Identity, X25519Recipient

# The rest of the API is loaded on first use (PEP 562), so that a command that
# needs one recipient type does not pay at start-up for the others: the
# hybrid ML-KEM code, scrypt, identity files. The errors above are loaded at
# once: they are small, and callers name them in `except` clauses.
_LAZY: dict[str, str] = {
    "AgeWriter": "keys.age",
    "check_recipients": "keys.age",
    "decrypt": "keys.age",
    "decrypt_stream": "keys.age",
    "decrypting": "keys.age",
    "encrypt": "keys.age",
    "encrypt_stream": "keys.age",
    "encrypting": "keys.age",
    "open_decryptor": "keys.age",
    "format_identity_file": "keys.files",
    "is_age_file": "keys.files",
    "parse_identities": "keys.files",
    "read_identity_file": "keys.files",
    "read_recipients_file": "keys.files",
    "write_identity_file": "keys.files",
    "HybridIdentity": "keys.hybrid",
    "HybridRecipient": "keys.hybrid",
    "parse_identity": "keys.parse",
    "parse_recipient": "keys.parse",
    "read_scrypt_parameters": "keys.passphrase_header",
    "Identity": "keys.recipient",
    "Recipient": "keys.recipient",
    "ScryptIdentity": "keys.scrypt",
    "ScryptParameters": "keys.scrypt",
    "ScryptRecipient": "keys.scrypt",
    "SeekableAgeFile": "keys.seekable",
    "open_seekable": "keys.seekable",
    "X25519Identity": "keys.x25519",
    "X25519Recipient": "keys.x25519",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AgeError",
    "AgeWriter",
    "ArmorError",
    "Bech32Error",
    "DerivationMemoryUnavailable",
    "HeaderError",
    "HeaderMACError",
    "HybridIdentity",
    "HybridRecipient",
    "Identity",
    "IdentityError",
    "KeysError",
    "MixedRecipientsError",
    "NoIdentityMatchError",
    "OutputError",
    "PassphraseUnavailable",
    "PayloadError",
    "ReceiptCheckDigitError",
    "ReceiptDigitCountError",
    "ReceiptError",
    "Recipient",
    "RecipientError",
    "ScryptIdentity",
    "ScryptParameters",
    "ScryptRecipient",
    "SeekableAgeFile",
    "SignatureError",
    "WrongPassphraseError",
    "X25519Identity",
    "X25519Recipient",
    "check_recipients",
    "decrypt",
    "decrypt_stream",
    "decrypting",
    "encrypt",
    "encrypt_stream",
    "encrypting",
    "format_identity_file",
    "is_age_file",
    "open_decryptor",
    "open_seekable",
    "parse_identities",
    "parse_identity",
    "parse_recipient",
    "read_identity_file",
    "read_recipients_file",
    "read_scrypt_parameters",
    "write_identity_file",
]
