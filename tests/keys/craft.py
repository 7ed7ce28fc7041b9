"""Hand-built age files for tests, written without keys/ so they check it independently.

Like the Go testkit, this is a second, deliberately tiny encoder: failure tests
build a file that is well formed except for one rule, and success tests check
that keys/ and this encoder agree byte for byte on what a header means.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

FILE_KEY = b"YELLOW SUBMARINE"
CHUNK = 64 * 1024


def b64(data: bytes) -> str:
    """Unpadded standard base64, as in age headers."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def not_canonical(text: str) -> str:
    """The same bytes with a spare low bit set in the last character (as the Go testkit does)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return text[:-1] + alphabet[alphabet.index(text[-1]) + 1]


def hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA-256 with a 32-byte output."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def seal_file_key(key: bytes, file_key: bytes) -> bytes:
    """Wrap a file key under a one-time key with the all-zero nonce."""
    return ChaCha20Poly1305(key).encrypt(bytes(12), file_key, None)


def armor(data: bytes) -> bytes:
    """`data` in age's ASCII armor, as `age -a` writes it: padded base64 in 64 columns."""
    encoded = base64.b64encode(data)
    lines = [encoded[i : i + 64] + b"\n" for i in range(0, len(encoded), 64)]
    return b"-----BEGIN AGE ENCRYPTED FILE-----\n" + b"".join(lines) + (
        b"-----END AGE ENCRYPTED FILE-----\n"
    )


def x25519_public(secret: bytes) -> bytes:
    """The X25519 public key of a 32-byte secret."""
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()


class AgeFile:
    """An age file assembled line by line, with a known file key."""

    def __init__(self, *, file_key: bytes = FILE_KEY) -> None:
        self.file_key = file_key
        self.buf = bytearray()
        self._stream_key = b""
        self._counter = 0

    def line(self, text: str | bytes) -> AgeFile:
        # UTF-8, not ASCII, so that tests can plant the non-ASCII bytes age forbids.
        self.buf += (text.encode("utf-8") if isinstance(text, str) else text) + b"\n"
        return self

    def version(self, version: str = "v1") -> AgeFile:
        return self.line("age-encryption.org/" + version)

    def args(self, *args: str) -> AgeFile:
        return self.line(" ".join(("->", *args)))

    def body(self, data: bytes) -> AgeFile:
        # Lines of 48 bytes (64 columns); the body ends with the first short line.
        while True:
            piece, data = data[:48], data[48:]
            self.line(b64(piece))
            if len(piece) < 48:
                return self

    def x25519(self, identity: bytes, *, ephemeral: bytes = b"\x01" * 32) -> AgeFile:
        share = x25519_public(ephemeral)
        return self.x25519_with_share(identity, share=share)

    def x25519_with_share(self, identity: bytes, *, share: bytes) -> AgeFile:
        # [identity]share equals [ephemeral]recipient, and lets tests pick any share.
        secret = X25519PrivateKey.from_private_bytes(identity).exchange(
            X25519PublicKey.from_public_bytes(share)
        )
        key = hkdf(secret, share + x25519_public(identity), b"age-encryption.org/v1/X25519")
        return self.args("X25519", b64(share)).body(seal_file_key(key, self.file_key))

    def scrypt(self, passphrase: str, *, work_factor: int, salt: bytes = b"\x02" * 16) -> AgeFile:
        kdf = Scrypt(
            salt=b"age-encryption.org/v1/scrypt" + salt, length=32, n=1 << work_factor, r=8, p=1
        )
        key = kdf.derive(passphrase.encode())
        self.args("scrypt", b64(salt), str(work_factor))
        return self.body(seal_file_key(key, self.file_key))

    def mac(self) -> AgeFile:
        key = hkdf(self.file_key, b"", b"header")
        tag = hmac.new(key, bytes(self.buf) + b"---", hashlib.sha256).digest()
        return self.line("--- " + b64(tag))

    def nonce(self, nonce: bytes = b"\x03" * 16) -> AgeFile:
        self._stream_key = hkdf(self.file_key, nonce, b"payload")
        self.buf += nonce
        return self

    def chunk(self, plaintext: bytes, *, last: bool) -> AgeFile:
        nonce = self._counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        self.buf += ChaCha20Poly1305(self._stream_key).encrypt(nonce, plaintext, None)
        self._counter += 1
        return self

    def payload(self, plaintext: bytes) -> AgeFile:
        """Nonce and STREAM chunks of `plaintext`, sealed the way a correct encoder would."""
        self.nonce()
        pieces = [plaintext[i : i + CHUNK] for i in range(0, len(plaintext), CHUNK)] or [b""]
        for index, piece in enumerate(pieces):
            self.chunk(piece, last=index == len(pieces) - 1)
        return self

    def bytes(self) -> bytes:
        return bytes(self.buf)
