"""Classic X25519 recipients (`age1...`) and identities (`AGE-SECRET-KEY-1...`)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from keys import bech32
from keys.errors import HeaderError, IdentityError, RecipientError
from keys.header import Stanza
from keys.primitives import (
    b64decode,
    b64encode,
    hkdf_sha256,
    random_bytes,
    unwrap_file_key,
    wrap_file_key,
)

STANZA_TYPE = "X25519"
RECIPIENT_HRP = "age"
IDENTITY_HRP = "AGE-SECRET-KEY-"
WRAP_LABEL = b"age-encryption.org/v1/X25519"
KEY_SIZE = 32
WRAPPED_KEY_SIZE = 32


def _shared_secret(private: X25519PrivateKey, public_bytes: bytes) -> bytes:
    try:
        secret = private.exchange(X25519PublicKey.from_public_bytes(public_bytes))
    except ValueError:
        # OpenSSL refuses low-order points, whose shared secret is all zeros:
        # such a share would let anyone who sees the file compute the wrap key.
        raise HeaderError("X25519 share is a low-order point") from None
    if secret == bytes(KEY_SIZE):
        raise HeaderError("X25519 shared secret is all zeros")
    return secret


def check_not_low_order(public_key: bytes) -> None:
    """Refuse a low-order point as a recipient, when it is configured, not at first use.

    Every exchange with such a point yields the all-zero secret, so no file could
    ever be encrypted to it; saying so when a recipients file is read beats a
    failure in the middle of a reporter's submission.
    """
    try:
        _shared_secret(X25519PrivateKey.generate(), public_key)
    except HeaderError:
        raise RecipientError("the X25519 key is a low-order point") from None


class X25519Recipient:
    """A public key files are encrypted to."""

    post_quantum = False
    exclusive = False

    def __init__(self, public_key: bytes) -> None:
        if len(public_key) != KEY_SIZE:
            raise RecipientError("an X25519 recipient is 32 bytes")
        check_not_low_order(public_key)
        self.public_key = public_key

    @classmethod
    def parse(cls, text: str) -> X25519Recipient:
        return cls(
            bech32.decode_key(
                text, hrp=RECIPIENT_HRP, error=RecipientError, kind="age X25519 recipient"
            )
        )

    def wrap(self, file_key: bytes) -> Stanza:
        ephemeral = X25519PrivateKey.from_private_bytes(random_bytes(KEY_SIZE))
        share = ephemeral.public_key().public_bytes_raw()
        secret = _shared_secret(ephemeral, self.public_key)
        wrap_key = hkdf_sha256(ikm=secret, salt=share + self.public_key, info=WRAP_LABEL)
        body = wrap_file_key(wrap_key=wrap_key, file_key=file_key)
        return Stanza(STANZA_TYPE, (b64encode(share),), body)

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public_key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, X25519Recipient) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash((STANZA_TYPE, self.public_key))


class X25519Identity:
    """A private key that opens files encrypted to its recipient."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_SIZE:
            raise IdentityError("an X25519 identity is 32 bytes")
        self._secret = secret
        self._private = X25519PrivateKey.from_private_bytes(secret)
        self._public = self._private.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> X25519Identity:
        return cls(random_bytes(KEY_SIZE))

    @classmethod
    def parse(cls, text: str) -> X25519Identity:
        return cls(
            bech32.decode_key(
                text, hrp=IDENTITY_HRP, error=IdentityError, kind="age X25519 identity"
            )
        )

    def recipient(self) -> X25519Recipient:
        return X25519Recipient(self._public)

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanza.args) != 1:
                raise HeaderError("X25519 stanza takes exactly one argument")
            share = b64decode(stanza.args[0])
            if len(share) != KEY_SIZE:
                raise HeaderError("X25519 share is not 32 bytes")
            if len(stanza.body) != WRAPPED_KEY_SIZE:
                raise HeaderError("X25519 stanza body is not 32 bytes")
            secret = _shared_secret(self._private, share)
            wrap_key = hkdf_sha256(ikm=secret, salt=share + self._public, info=WRAP_LABEL)
            file_key = unwrap_file_key(wrap_key=wrap_key, body=stanza.body)
            if file_key is not None:
                return file_key
        return None

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self._secret)

    def __repr__(self) -> str:
        # Never let a stray log line or traceback print the secret.
        return f"<X25519Identity {self.recipient()}>"
