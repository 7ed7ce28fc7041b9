"""Which intake may send bundles here: pinned Ed25519 keys and the manifest signature check.

Anyone holding the reviewers' public keys (whoever carries the USB stick,
say) could encrypt a forged report to them; only the intake server holds the
key that signs a bundle's manifest, and the manifest pins every member by size
and SHA-256. So a bundle is accepted only if its manifest was signed by an
intake key the reviewers pinned in the workspace, checked before any other
member is read.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

import keys
from keys.signing import PICKUP_NAMESPACE, VerifyingKey
from review.errors import BundleError
from review.models import IntakeKey

# An armored Ed25519 SSHSIG is about 300 bytes; anything far larger is not one.
MAX_SIGNATURE_BYTES = 4096


def parse_intake_key(text: str) -> VerifyingKey:
    """An intake public key from its OpenSSH line ("ssh-ed25519 AAAA... [comment]")."""
    return VerifyingKey.parse(text.strip())


def pin(session: Session, key: VerifyingKey) -> bool:
    """Pin `key` in the caller's transaction; False if it was pinned already."""
    text = str(key)
    if session.get(IntakeKey, text) is not None:
        return False
    session.add(IntakeKey(key=text, fingerprint=key.fingerprint()))
    return True


def verify_manifest(
    manifest: bytes, signature: bytes, *, trusted: Sequence[VerifyingKey]
) -> VerifyingKey:
    """The pinned key that signed `manifest`, or BundleError naming the keys expected."""
    if not trusted:
        raise BundleError(
            "no intake signing key is pinned in this workspace; pin the one "
            "`haven intake signing-key` prints with `haven review trust-intake`"
        )
    expected = ", ".join(key.fingerprint() for key in trusted)
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise BundleError("manifest.json.sig is larger than any SSH signature")
    try:
        text = signature.decode("ascii")
    except UnicodeDecodeError:
        raise BundleError("manifest.json.sig is not an SSH signature") from None
    for key in trusted:
        try:
            key.verify(manifest, text, namespace=PICKUP_NAMESPACE)
        except keys.SignatureError:
            continue
        return key
    raise BundleError(
        "manifest.json.sig is malformed or was not made by a pinned intake key "
        f"(expected {expected}); nothing in this bundle was read"
    )
