"""The few cryptographic building blocks age is made of, with its labels as constants.

Everything else in keys/ composes these; nothing else calls HKDF, HMAC or the
AEAD directly, so a reader can audit the whole construction on this page.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.errors import HeaderError

FILE_KEY_SIZE = 16
PAYLOAD_NONCE_SIZE = 16
HEADER_LABEL = b"header"
PAYLOAD_LABEL = b"payload"
_ZERO_NONCE = bytes(12)


def random_bytes(size: int) -> bytes:
    """The single source of randomness in keys/ (a seam that known-answer tests pin)."""
    return os.urandom(size)


def hkdf_sha256(*, ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 as age uses it everywhere."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def header_mac(*, file_key: bytes, header_without_mac: bytes) -> bytes:
    """HMAC-SHA-256 over the header up to and including '---'."""
    mac_key = hkdf_sha256(ikm=file_key, salt=b"", info=HEADER_LABEL)
    return hmac.new(mac_key, header_without_mac, sha256).digest()


def payload_key(*, file_key: bytes, nonce: bytes) -> bytes:
    """The STREAM key, bound to the per-file random nonce."""
    return hkdf_sha256(ikm=file_key, salt=nonce, info=PAYLOAD_LABEL)


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
