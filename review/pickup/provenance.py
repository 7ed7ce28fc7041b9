"""Which intake may send bundles here: pinned Ed25519 keys and the manifest signature check.

Anyone holding the reviewers' public keys (whoever carries the USB stick,
say) could encrypt a forged report to them; only the intake server holds the
key that signs a bundle's manifest, and the manifest pins every member by size
and SHA-256. So a bundle is accepted only if its manifest was signed by an
intake key the reviewers pinned in the workspace, checked before any other
member is read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import keys
from keys.signing import PICKUP_NAMESPACE, VerifyingKey
from review.clock import WallClock, utc_now
from review.errors import BundleError, WorkspaceError
from review.workspace.models import Bundle, IntakeKey, Submission

# An armored Ed25519 SSHSIG is about 300 bytes; anything far larger is not one.
MAX_SIGNATURE_BYTES = 4096


def parse_intake_key(text: str) -> VerifyingKey:
    """An intake public key from its OpenSSH line ("ssh-ed25519 AAAA... [comment]")."""
    return VerifyingKey.parse(text.strip())


def pin(session: Session, key: VerifyingKey, *, clock: WallClock = utc_now) -> bool:
    """Pin `key` in the caller's transaction; False if it was pinned already."""
    text = str(key)
    if session.get(IntakeKey, text) is not None:
        return False
    session.add(IntakeKey(key=text, fingerprint=key.fingerprint(),
                          pinned_at=clock().isoformat()))
    return True


def unpin(session: Session, key_or_fingerprint: str) -> IntakeKey:
    """Unpin the key given by its fingerprint ("SHA256:...") or its OpenSSH line.

    Returns the row removed. Bundles it signed stay imported; their cases are
    listed by `cases_signed_by`.
    """
    wanted = key_or_fingerprint.strip()
    with contextlib.suppress(keys.SignatureError):  # not a key line: a fingerprint
        wanted = parse_intake_key(wanted).fingerprint()
    found = session.scalars(select(IntakeKey).where(IntakeKey.fingerprint == wanted)).first()
    if found is None:
        raise WorkspaceError(f"no pinned intake key has the fingerprint {wanted}")
    session.delete(found)
    return found


@dataclass(frozen=True)
class Signer:
    """An intake key as the workspace knows it: pinned now, or the signer of imported bundles."""

    # None: bundles imported before the workspace recorded who signed them.
    fingerprint: str | None
    key: str | None  # the OpenSSH line while pinned
    pinned_at: str | None
    bundles: int
    cases: int

    @property
    def pinned(self) -> bool:
        """Whether bundles it signs are imported."""
        return self.key is not None


def signers(session: Session) -> list[Signer]:
    """Every pinned key (oldest pin first), then every other key that signed an imported bundle."""
    bundles: dict[str | None, int] = {
        signer: count for signer, count in session.execute(
            select(Bundle.signer, func.count()).group_by(Bundle.signer))}
    cases: dict[str | None, int] = {
        signer: count for signer, count in session.execute(
            select(Bundle.signer, func.count(Submission.id))
            .join(Submission, Submission.bundle_id == Bundle.id)
            .group_by(Bundle.signer))}
    pins = list(session.scalars(select(IntakeKey)))
    pins.sort(key=lambda p: (p.pinned_at or "", p.fingerprint))
    found = [Signer(p.fingerprint, p.key, p.pinned_at, bundles.get(p.fingerprint, 0),
                    cases.get(p.fingerprint, 0)) for p in pins]
    pinned = {p.fingerprint for p in pins}
    others = sorted((fp for fp in bundles if fp not in pinned),
                    key=lambda fp: (fp is None, fp or ""))
    found += [Signer(fp, None, None, bundles[fp], cases.get(fp, 0)) for fp in others]
    return found


def cases_signed_by(session: Session, fingerprint: str | None) -> list[Submission]:
    """The cases imported from bundles `fingerprint` signed (None: signer not recorded)."""
    signer = Bundle.signer.is_(None) if fingerprint is None else Bundle.signer == fingerprint
    return list(session.scalars(
        select(Submission).join(Bundle, Submission.bundle_id == Bundle.id).where(signer)
        .order_by(Submission.received_day, Submission.id)))


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
