"""Each reviewer's Ed25519 key for signing reply bundles, sealed in the workspace to them alone.

Intake shows a reporter only replies signed by a key its operator trusts, so
this key is what stands between a frightened reporter and words a stranger
slipped onto the USB stick. Its private half is age-encrypted to the
reviewer's own recipient: creating it needs only the public recipient (so
`add-reviewer` can), using it needs the reviewer's identity (so only an
unlock can), and a stolen workspace signs nothing. Decrypted, it lives in the
unlocked session's memory only, like the identity.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

import keys
from keys.signing import SigningKey, VerifyingKey
from review.clock import WallClock, utc_now
from review.errors import WorkspaceError
from review.workspace import audit
from review.workspace.models import Reviewer
from review.workspace.store import Workspace


def ensure_signing_key(
    session: Session, reviewer: Reviewer, *, actor: str, clock: WallClock = utc_now,
    audited: bool = True,
) -> VerifyingKey:
    """The reviewer's public signing key, creating (and sealing, and auditing) it if absent.

    Call inside a write transaction: the key and its audit entry commit together.
    `audited=False` is for a caller whose own entry records the key (add-reviewer).
    """
    if reviewer.signing_key is not None and reviewer.sealed_signing_key is not None:
        return _public(reviewer)
    created = SigningKey.generate()
    public = created.public_key()
    recipient = keys.parse_recipient(reviewer.recipient)
    # Sealed to this reviewer only: no colleague, and no one holding the workspace, can sign
    # in their name.
    reviewer.sealed_signing_key = keys.encrypt(created.private_text(), recipients=[recipient])
    reviewer.signing_key = str(public)
    if audited:
        audit.append(session, actor=actor, action="signing-key",
                     subject=f"reviewer:{reviewer.name}",
                     detail=f"reply signing key {public.fingerprint()} created",
                     facts={"signing_key": public.fingerprint()}, clock=clock)
    return public


def open_signing_key(reviewer: Reviewer, *, identity: keys.Identity) -> SigningKey:
    """The reviewer's private signing key, decrypted with their own identity.

    The stored public line must be the sealed key's own: a workspace edited to
    pair someone's sealed key with another public line is refused, not used.
    """
    if reviewer.sealed_signing_key is None:
        raise WorkspaceError(f"reviewer {reviewer.name} has no signing key yet")
    try:
        plain = keys.decrypt(reviewer.sealed_signing_key, identities=[identity])
    except keys.AgeError:
        raise WorkspaceError(
            f"the signing key of {reviewer.name} cannot be opened with their identity"
        ) from None
    opened = SigningKey.from_private_text(plain, source=f"the signing key of {reviewer.name}")
    if opened.public_key() != _public(reviewer):
        raise WorkspaceError(
            f"the signing key of {reviewer.name} does not match its public line in the workspace"
        )
    return opened


def unlock_signing_key(
    workspace: Workspace, *, reviewer: str, identity: keys.Identity, clock: WallClock = utc_now
) -> SigningKey:
    """At unlock: the reviewer's signing key, created first if their workspace predates it."""
    with workspace.transaction() as session:
        row = session.get(Reviewer, reviewer)
        if row is None:
            raise WorkspaceError(f"{reviewer!r} is not a reviewer of this workspace")
        ensure_signing_key(session, row, actor=reviewer, clock=clock)
        return open_signing_key(row, identity=identity)


def public_line(key: VerifyingKey, name: str) -> str:
    """The line the operator gives `haven intake trust-reviewer`: the key and the name."""
    return f"{key} {name}"


def _public(reviewer: Reviewer) -> VerifyingKey:
    try:
        return VerifyingKey.parse(reviewer.signing_key or "")
    except keys.SignatureError as error:
        raise WorkspaceError(f"the signing key of {reviewer.name} is unreadable: {error}") from None
