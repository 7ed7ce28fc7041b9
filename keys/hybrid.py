"""Hybrid post-quantum recipients: ML-KEM-768 + X25519 through HPKE (age v1.3).

A file wrapped this way stays confidential unless *both* ML-KEM-768 and X25519
fall, which is what protects reports recorded today from a quantum computer
tomorrow. The identity is a 32-byte seed; everything else is derived from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from keys import bech32
from keys.errors import HeaderError, IdentityError, RecipientError
from keys.header import Stanza
from keys.primitives import FILE_KEY_SIZE, b64decode, b64encode, random_bytes
from keys.x25519 import check_not_low_order

STANZA_TYPE = "mlkem768x25519"
RECIPIENT_HRP = "age1pq"
IDENTITY_HRP = "AGE-SECRET-KEY-PQ-"
HPKE_INFO = b"age-encryption.org/mlkem768x25519"
SEED_SIZE = 32
MLKEM_SEED_SIZE = 64
MLKEM_PUBLIC_SIZE = 1184
MLKEM_CIPHERTEXT_SIZE = 1088
X25519_SIZE = 32
PUBLIC_KEY_SIZE = MLKEM_PUBLIC_SIZE + X25519_SIZE
ENC_SIZE = MLKEM_CIPHERTEXT_SIZE + X25519_SIZE
WRAPPED_KEY_SIZE = FILE_KEY_SIZE + 16

_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


class HybridRecipient:
    """An `age1pq1...` recipient: an ML-KEM-768 key and an X25519 key together."""

    post_quantum = True
    exclusive = False

    def __init__(self, public_key: bytes) -> None:
        if len(public_key) != PUBLIC_KEY_SIZE:
            raise RecipientError("a hybrid recipient is 1,216 bytes")
        check_not_low_order(public_key[MLKEM_PUBLIC_SIZE:])
        try:
            self._key = hpke.MLKEM768X25519PublicKey(
                mlkem.MLKEM768PublicKey.from_public_bytes(public_key[:MLKEM_PUBLIC_SIZE]),
                X25519PublicKey.from_public_bytes(public_key[MLKEM_PUBLIC_SIZE:]),
            )
        except ValueError:
            raise RecipientError("invalid hybrid public key") from None
        self.public_key = public_key

    @classmethod
    def _of_identity(
        cls, public_key: bytes, key: hpke.MLKEM768X25519PublicKey
    ) -> HybridRecipient:
        """The recipient of an identity's own keys, taken as they are (HybridIdentity.recipient)."""
        recipient = cls.__new__(cls)
        recipient._key = key
        recipient.public_key = public_key
        return recipient

    @classmethod
    def parse(cls, text: str) -> HybridRecipient:
        return cls(
            bech32.decode_key(
                text,
                hrp=RECIPIENT_HRP,
                error=RecipientError,
                kind="age hybrid post-quantum recipient",
            )
        )

    def wrap(self, file_key: bytes) -> Stanza:
        sealed = _SUITE.encrypt(file_key, self._key, info=HPKE_INFO)
        enc, body = sealed[:ENC_SIZE], sealed[ENC_SIZE:]
        return Stanza(STANZA_TYPE, (b64encode(enc),), body)

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public_key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HybridRecipient) and other.public_key == self.public_key

    def __hash__(self) -> int:
        return hash((STANZA_TYPE, self.public_key))


class HybridIdentity:
    """An `AGE-SECRET-KEY-PQ-1...` identity, expanded from a 32-byte seed."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_SIZE:
            raise IdentityError("a hybrid identity is a 32-byte seed")
        self._seed = seed
        expanded = hashlib.shake_256(seed).digest(MLKEM_SEED_SIZE + X25519_SIZE)
        mlkem_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:MLKEM_SEED_SIZE])
        self._x25519 = X25519PrivateKey.from_private_bytes(expanded[MLKEM_SEED_SIZE:])
        self._key = hpke.MLKEM768X25519PrivateKey(mlkem_key, self._x25519)
        mlkem_public, x25519_public = mlkem_key.public_key(), self._x25519.public_key()
        self._public_key = hpke.MLKEM768X25519PublicKey(mlkem_public, x25519_public)
        self._public = mlkem_public.public_bytes_raw() + x25519_public.public_bytes_raw()

    @classmethod
    def generate(cls) -> HybridIdentity:
        return cls(random_bytes(SEED_SIZE))

    @classmethod
    def parse(cls, text: str) -> HybridIdentity:
        return cls(
            bech32.decode_key(
                text, hrp=IDENTITY_HRP, error=IdentityError, kind="age hybrid post-quantum identity"
            )
        )

    def recipient(self) -> HybridRecipient:
        # Its own public keys, not parsed again from bytes nor tested against low-order
        # points (a clamped private scalar never yields one): intake makes a reply
        # recipient with every submission, and the parse and the test exchange would
        # cost it more than the keys themselves.
        return HybridRecipient._of_identity(self._public, self._public_key)

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanza.args) != 1:
                raise HeaderError("mlkem768x25519 stanza takes exactly one argument")
            enc = b64decode(stanza.args[0])
            if len(enc) != ENC_SIZE:
                raise HeaderError("mlkem768x25519 encapsulation is not 1,120 bytes")
            if len(stanza.body) != WRAPPED_KEY_SIZE:
                raise HeaderError("mlkem768x25519 stanza body is not 32 bytes")
            self._check_x25519_share(enc[MLKEM_CIPHERTEXT_SIZE:])
            try:
                file_key = _SUITE.decrypt(enc + stanza.body, self._key, info=HPKE_INFO)
            except InvalidTag:
                continue
            if len(file_key) != FILE_KEY_SIZE:
                raise HeaderError("file key is not 16 bytes")
            return file_key
        return None

    def _check_x25519_share(self, share: bytes) -> None:
        # HPKE reports a low-order share as a mere failed tag, which would read
        # as "not for me"; the specification makes it a header failure, so a
        # crafted file cannot pass as someone else's.
        try:
            secret = self._x25519.exchange(X25519PublicKey.from_public_bytes(share))
        except ValueError:
            raise HeaderError("mlkem768x25519 share is a low-order X25519 point") from None
        if secret == bytes(X25519_SIZE):
            raise HeaderError("mlkem768x25519 shared secret is all zeros")

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self._seed)

    def __repr__(self) -> str:
        return "<HybridIdentity>"
