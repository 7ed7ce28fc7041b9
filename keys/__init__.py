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
from keys.errors import (
    AgeError,
    ArmorError,
    Bech32Error,
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

__all__ = [
    "AgeError",
    "AgeWriter",
    "ArmorError",
    "Bech32Error",
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
