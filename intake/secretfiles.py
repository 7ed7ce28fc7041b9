"""The instance secrets in the data directory: created once, mode 0600, never defaulted."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from intake.durable import fsync_directory
from intake.errors import SecretFileError

SESSION_KEY_FILE = "secret_key"
RECEIPT_PEPPER_FILE = "receipt_pepper"
SECRET_SIZE = 32


def create_secret_files(data_dir: Path) -> None:
    """Create the Flask secret key and the receipt pepper, both or neither; never replace one."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    names = (SESSION_KEY_FILE, RECEIPT_PEPPER_FILE)
    _refuse_existing(data_dir, names)
    # Each secret is written whole under a temporary name and then linked into place,
    # so a failure part-way leaves no half-initialised data directory behind.
    temporaries = {name: data_dir / f".{name}.{secrets.token_hex(8)}.tmp" for name in names}
    linked: list[Path] = []
    try:
        for temporary in temporaries.values():
            _write_secret(temporary)
        for name, temporary in temporaries.items():
            # link(2) never replaces a name: replacing the pepper would orphan every
            # receipt code ever issued.
            try:
                os.link(temporary, data_dir / name)
            except FileExistsError:
                raise SecretFileError(
                    f"{data_dir / name} appeared while initialising; refusing to replace it"
                ) from None
            linked.append(data_dir / name)
        fsync_directory(data_dir)
    except BaseException:
        for path in linked:
            path.unlink(missing_ok=True)
        raise
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)


def _refuse_existing(data_dir: Path, names: tuple[str, ...]) -> None:
    present = [name for name in names if (data_dir / name).exists()]
    if len(present) == len(names):
        raise SecretFileError(f"{data_dir} is already initialised; refusing to replace its secrets")
    if present:
        # Intake never ran with one secret alone, so this is an interrupted initialisation.
        missing = sorted(set(names) - set(present))
        raise SecretFileError(
            f"{data_dir} is half-initialised: {', '.join(present)} exists without "
            f"{', '.join(missing)}; intake cannot have run with it, so move it aside "
            "and run init again"
        )


def _write_secret(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(SECRET_SIZE) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


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
