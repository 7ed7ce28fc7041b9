"""Ed25519 signatures in OpenSSH's SSHSIG format, checkable with `ssh-keygen -Y verify`.

Haven signs what must be provably unaltered (pickup bundle manifests now,
evidence packages once they are built) in a format a court's expert can check
with stock tools, not only with Haven. A namespace binds each signature to its
purpose, so a signature over a bundle manifest can never be replayed as one over
an evidence package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
import struct
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from keys.errors import SignatureError

# One namespace per kind of signed file, so no signature can pass for another kind.
PICKUP_NAMESPACE = "haven-pickup-v1@haven"
# Reply bundles, signed by a reviewer's own key (docs/reply-bundle.md).
REPLIES_NAMESPACE = "haven-replies-v1@haven"
# Reserved for evidence packages, so no pickup signature can ever pass for one.
EVIDENCE_NAMESPACE = "haven-evidence-v1@haven"

_MAGIC = b"SSHSIG"
_VERSION = 1
_KEY_TYPE = b"ssh-ed25519"
_HASH = b"sha512"
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
_COLUMNS = 70  # as ssh-keygen writes it
_MAX_SIGNATURE_TEXT = 4096


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class _Reader:
    """Reads SSH wire-format fields, refusing anything short or left over."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise SignatureError("truncated SSH signature")
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.uint32())

    def end(self) -> None:
        if self._at != len(self._data):
            raise SignatureError("trailing data in SSH signature")


def _public_blob(raw: bytes) -> bytes:
    return _string(_KEY_TYPE) + _string(raw)


def _signed_data(message: bytes, namespace: str) -> bytes:
    digest = hashlib.sha512(message).digest()
    return _MAGIC + _string(namespace.encode()) + _string(b"") + _string(_HASH) + _string(digest)


class VerifyingKey:
    """An Ed25519 public key, written as an OpenSSH public key line."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key
        self.raw = key.public_bytes_raw()

    @classmethod
    def parse(cls, text: str) -> VerifyingKey:
        """Parse `ssh-ed25519 AAAA... [comment]`."""
        parts = text.strip().split()
        if len(parts) < 2 or parts[0] != _KEY_TYPE.decode():
            raise SignatureError("not an ssh-ed25519 public key line")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError("invalid base64 in public key") from None
        reader = _Reader(blob)
        if reader.string() != _KEY_TYPE:
            raise SignatureError("public key blob is not ssh-ed25519")
        raw = reader.string()
        reader.end()
        if len(raw) != 32:
            raise SignatureError("an Ed25519 public key is 32 bytes")
        return cls(Ed25519PublicKey.from_public_bytes(raw))

    def fingerprint(self) -> str:
        """The SHA-256 fingerprint as `ssh-keygen -l` prints it."""
        digest = hashlib.sha256(_public_blob(self.raw)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def verify(self, message: bytes, signature: str, *, namespace: str) -> None:
        """Raise SignatureError unless `signature` is ours over `message` in `namespace`."""
        blob = _dearmor(signature)
        reader = _Reader(blob)
        if reader.take(len(_MAGIC)) != _MAGIC or reader.uint32() != _VERSION:
            raise SignatureError("not an SSHSIG version 1 signature")
        if reader.string() != _public_blob(self.raw):
            raise SignatureError(f"signed by another key than {self.fingerprint()}")
        if reader.string() != namespace.encode():
            raise SignatureError("signature made for another purpose (namespace)")
        reader.string()  # reserved
        if reader.string() != _HASH:
            raise SignatureError("unsupported signature hash algorithm")
        inner = _Reader(reader.string())
        reader.end()
        if inner.string() != _KEY_TYPE:
            raise SignatureError("signature is not ssh-ed25519")
        raw_signature = inner.string()
        inner.end()
        try:
            self._key.verify(raw_signature, _signed_data(message, namespace))
        except InvalidSignature:
            raise SignatureError("signature does not verify: the data was altered") from None

    def __str__(self) -> str:
        return f"{_KEY_TYPE.decode()} {base64.b64encode(_public_blob(self.raw)).decode()}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyingKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)


class SigningKey:
    """An Ed25519 private key, stored as an unencrypted OpenSSH private key file."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SigningKey:
        """Load a key file, refusing one that others could read."""
        path = Path(path)
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except OSError as err:
            raise SignatureError(f"cannot read signing key {path}: {err.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SignatureError(f"{path} is accessible to other users; chmod 600 it")
        return cls.from_private_text(data, source=str(path))

    @classmethod
    def from_private_text(cls, data: bytes, *, source: str = "the key") -> SigningKey:
        """Read what `private_text` wrote (an unencrypted OpenSSH private key).

        For keys kept inside another encryption (a reviewer's key, sealed in
        the review workspace to that reviewer's age identity).
        """
        try:
            key = serialization.load_ssh_private_key(data, password=None)
        except (ValueError, TypeError):
            raise SignatureError(f"{source} is not an unencrypted OpenSSH private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SignatureError(f"{source} is not an Ed25519 key")
        return cls(key)

    def private_text(self) -> bytes:
        """The private key as an unencrypted OpenSSH private key file's bytes.

        Secret: the caller encrypts it before it goes anywhere (`save` writes
        it only to a 0600 file of its own).
        """
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Create `path` with mode 0600; never overwrite an existing key."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.private_text())

    def public_key(self) -> VerifyingKey:
        return VerifyingKey(self._key.public_key())

    def sign(self, message: bytes, *, namespace: str) -> str:
        """An armored SSHSIG signature over `message`, bound to `namespace`."""
        if not namespace:
            raise SignatureError("a signature needs a namespace")
        raw_signature = self._key.sign(_signed_data(message, namespace))
        blob = (
            _MAGIC
            + struct.pack(">I", _VERSION)
            + _string(_public_blob(self.public_key().raw))
            + _string(namespace.encode())
            + _string(b"")
            + _string(_HASH)
            + _string(_string(_KEY_TYPE) + _string(raw_signature))
        )
        encoded = base64.b64encode(blob).decode()
        lines = [encoded[i : i + _COLUMNS] for i in range(0, len(encoded), _COLUMNS)]
        return "\n".join([_BEGIN, *lines, _END]) + "\n"

    def __repr__(self) -> str:
        return f"<SigningKey {self.public_key().fingerprint()}>"


def _dearmor(text: str) -> bytes:
    if len(text) > _MAX_SIGNATURE_TEXT:
        raise SignatureError("SSH signature too long")
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise SignatureError("not an armored SSH signature")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("invalid base64 in SSH signature") from None
