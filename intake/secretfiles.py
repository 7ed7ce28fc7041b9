"""The instance secrets in the data directory: created once, mode 0600, never defaulted."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

SESSION_KEY_FILE = "secret_key"
RECEIPT_PEPPER_FILE = "receipt_pepper"
SECRET_SIZE = 32


class SecretFileError(RuntimeError):
    """A secret file is missing, malformed, or readable by other users."""


def create_secret_files(data_dir: Path) -> None:
    """Create the Flask secret key and the receipt pepper; refuse to overwrite either."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in (SESSION_KEY_FILE, RECEIPT_PEPPER_FILE):
        path = data_dir / name
        # O_EXCL: replacing the pepper would orphan every receipt code ever issued.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise SecretFileError(f"{path} already exists; refusing to replace it") from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_SIZE) + "\n")


def read_secret_file(path: Path) -> bytes:
    """Return the secret stored hex-encoded in `path`, refusing a file others can read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        raise SecretFileError(
            f"{path} is missing: create it with `haven intake init --data-dir DIR`"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SecretFileError(f"{path} cannot be read: {error.__class__.__name__}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretFileError(f"{path} is accessible to other users; run `chmod 600 {path}`")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise SecretFileError(f"{path} does not hold a hex-encoded secret") from None
    if len(secret) != SECRET_SIZE:
        raise SecretFileError(f"{path} must hold a {SECRET_SIZE}-byte secret")
    return secret
