"""The intake's own Ed25519 key, which signs every pickup bundle manifest.

Reviewers pin its public key, so a bundle forged by someone holding only the
reviewers' public keys (the USB carrier, say) is refused at import.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import keys
from intake.durable import fsync_directory, fsync_file
from intake.errors import PickupKeyError
from keys.signing import SigningKey

PICKUP_SIGNING_KEY_FILE = "pickup_signing_key"


def ensure_pickup_signing_key(data_dir: Path) -> SigningKey:
    """Return the data directory's signing key, creating it first if there is none.

    Only deliberate set-up steps call this (`init`, `signing-key --create`): a key
    appearing on its own, at pickup time, would be one no reviewer has pinned.
    """
    path = data_dir / PICKUP_SIGNING_KEY_FILE
    if not path.exists():
        _create(path)
    return load_pickup_signing_key(data_dir)


def load_pickup_signing_key(data_dir: Path) -> SigningKey:
    """Return the data directory's signing key; refuse if it has none."""
    path = data_dir / PICKUP_SIGNING_KEY_FILE
    if not path.exists():
        raise PickupKeyError(
            f"{data_dir} has no pickup signing key. A new key would sign bundles that "
            "reviewers have not pinned: create one deliberately with `haven intake "
            "signing-key --create` and have the reviewers pin it (haven review trust-intake)."
        )
    try:
        return SigningKey.load(path)
    except keys.SignatureError as error:
        raise PickupKeyError(str(error)) from None


def _create(path: Path) -> None:
    # Written under a temporary name and linked into place: a concurrent start never
    # reads half a key, and a key reviewers may already have pinned is never replaced.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        SigningKey.generate().save(temporary)
        fsync_file(temporary)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process created it first: theirs is the key
        fsync_directory(path.parent)
    except OSError as error:
        raise PickupKeyError(f"cannot create {path}: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
