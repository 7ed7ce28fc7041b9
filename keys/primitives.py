"""The few cryptographic building blocks keys/ is made of, with their labels as constants.

Everything else in keys/ composes these: every HKDF derivation, HMAC and
ChaCha20-Poly1305 call (age's header MAC, file-key wraps and payload chunks,
and Haven's receipt derivations) is on this page, so a reader can audit the
whole construction here. The passphrase KDFs (scrypt in scrypt.py, Argon2id in
receipt.py) and HPKE (hybrid.py) stay with the one kind each of them serves.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidSignature

# HMAC from cryptography, verified by it in constant time: the standard
# library's hmac would load _hashlib and with it a second OpenSSL, a few
# milliseconds of every start of `haven keys`.
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.errors import HeaderError

FILE_KEY_SIZE = 16
PAYLOAD_NONCE_SIZE = 16
HEADER_LABEL = b"header"
PAYLOAD_LABEL = b"payload"
# Distinct HKDF labels keep the lookup id and the reply key independent: knowing
# one (the lookup id is stored in clear) reveals nothing about the other. The
# reply key's label names its kind, so a later change of key type is a new label,
# never a silent reinterpretation of the same bytes.
RECEIPT_LOOKUP_LABEL = b"haven/receipt/v1/lookup-id"
RECEIPT_REPLY_KEY_LABEL = b"haven/receipt/v1/reply-mlkem768x25519"
_ZERO_NONCE = bytes(12)


def random_bytes(size: int) -> bytes:
    """The single source of randomness in keys/ (a seam that known-answer tests pin)."""
    return os.urandom(size)


def hkdf_sha256(*, ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 as age uses it everywhere."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _header_hmac(*, file_key: bytes, header_without_mac: bytes) -> hmac.HMAC:
    """HMAC-SHA-256 over the header up to and including '---', not yet finalized."""
    mac_key = hkdf_sha256(ikm=file_key, salt=b"", info=HEADER_LABEL)
    state = hmac.HMAC(mac_key, hashes.SHA256())
    state.update(header_without_mac)
    return state


def header_mac(*, file_key: bytes, header_without_mac: bytes) -> bytes:
    """HMAC-SHA-256 over the header up to and including '---'."""
    return _header_hmac(file_key=file_key, header_without_mac=header_without_mac).finalize()


def header_mac_verifies(*, file_key: bytes, header_without_mac: bytes, mac: bytes) -> bool:
    """Whether `mac` is the header's MAC, compared in constant time so timing tells nothing."""
    state = _header_hmac(file_key=file_key, header_without_mac=header_without_mac)
    try:
        state.verify(mac)
    except InvalidSignature:
        return False
    return True


def payload_key(*, file_key: bytes, nonce: bytes) -> bytes:
    """The STREAM key, bound to the per-file random nonce."""
    return hkdf_sha256(ikm=file_key, salt=nonce, info=PAYLOAD_LABEL)


class PayloadCipher:
    """ChaCha20-Poly1305 under one file's payload key: what STREAM seals each chunk with.

    STREAM (stream.py) chooses the nonces, a chunk counter and a last-chunk
    flag, so that no nonce repeats under a key and no chunk can be moved.
    """

    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)

    def seal(self, nonce: bytes, chunk: bytes | bytearray | memoryview) -> bytes:
        return self._aead.encrypt(nonce, chunk, None)

    def seal_into(self, nonce: bytes, chunk: memoryview, out: memoryview) -> None:
        """Seal `chunk` into `out`, which is exactly as long as its ciphertext and tag."""
        self._aead.encrypt_into(nonce, chunk, None, out)

    def open(self, nonce: bytes, sealed: bytes) -> bytes:
        """The chunk's plaintext; InvalidTag (cryptography's) if it fails to authenticate."""
        return self._aead.decrypt(nonce, sealed, None)

    def open_into(self, nonce: bytes, sealed: memoryview, out: memoryview) -> None:
        """Open `sealed` into `out` (its length less the tag); InvalidTag if it fails.

        On failure `out` may hold unauthenticated bytes: the caller must not use them.
        """
        self._aead.decrypt_into(nonce, sealed, None, out)


def receipt_lookup_id(*, master: bytes, length: int) -> bytes:
    """The lookup id intake stores for a receipt code, from the code's Argon2id output."""
    # No salt, which HKDF reads as all zeros: Argon2id, salted with the pepper,
    # already made `master` uniformly random.
    return hkdf_sha256(ikm=master, salt=b"", info=RECEIPT_LOOKUP_LABEL, length=length)


def receipt_reply_seed(*, master: bytes, length: int) -> bytes:
    """The seed of the reporter's reply identity, from the same Argon2id output."""
    return hkdf_sha256(ikm=master, salt=b"", info=RECEIPT_REPLY_KEY_LABEL, length=length)


def wrap_file_key(*, wrap_key: bytes, file_key: bytes) -> bytes:
    """Seal the file key under a one-time key (hence the fixed zero nonce is safe)."""
    return ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)


def unwrap_file_key(*, wrap_key: bytes, body: bytes) -> bytes | None:
    """Open a wrapped file key; None means "not for this key", which is not an error."""
    from cryptography.exceptions import InvalidTag

    try:
        file_key = ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, body, None)
    except InvalidTag:
        return None
    if len(file_key) != FILE_KEY_SIZE:
        raise HeaderError("file key is not 16 bytes")
    return file_key


def b64encode(data: bytes) -> str:
    """Standard base64 without padding, as in age headers."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def b64decode(text: str) -> bytes:
    """Strict inverse of b64encode: rejects padding, stray characters and non-canonical bits."""
    if "=" in text or "\n" in text or "\r" in text:
        raise HeaderError("base64 in the header must be unpadded")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise HeaderError("invalid base64 in the header") from None
    # Decoding ignores the unused low bits of the last character; re-encoding
    # catches an encoder that set them, which would make two files of one header.
    if b64encode(data) != text:
        raise HeaderError("non-canonical base64 in the header")
    return data
