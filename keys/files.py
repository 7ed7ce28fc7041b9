"""Recipients files and identity files, in the formats the stock `age` tool reads."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from keys.age import check_recipients, decrypt, encrypt
from keys.armor import looks_armored
from keys.errors import (
    AgeError,
    IdentityError,
    NoIdentityMatchError,
    RecipientError,
    WrongPassphraseError,
)
from keys.header import VERSION_LINE
from keys.parse import parse_identity, parse_recipient
from keys.passphrase_header import read_scrypt_parameters
from keys.recipient import Identity, Recipient
from keys.scrypt import DEFAULT_WORK_FACTOR, ScryptIdentity, ScryptRecipient

# Identity and recipients files are a few lines; a cap keeps a wrong path
# (a disk image, /dev/zero) from being read into memory.
MAX_KEY_FILE_BYTES = 1 << 20
PassphraseSource = Callable[[], str]


def _read_capped(path: Path, error: type[AgeError]) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as err:
        raise error(f"cannot read {path}: {err.strerror}") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise error(f"{path} is too large to be a key file")
    return data


def _content_lines(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def read_recipients_file(path: str | os.PathLike[str]) -> list[Recipient]:
    """All recipients of a file of `age1...`/`age1pq1...` lines; '#' comments allowed."""
    path = Path(path)
    try:
        text = _read_capped(path, RecipientError).decode("utf-8")
    except UnicodeDecodeError:
        raise RecipientError(f"{path} is not UTF-8 text") from None
    recipients: list[Recipient] = []
    for number, line in _content_lines(text):
        try:
            recipients.append(parse_recipient(line))
        except RecipientError as err:
            raise RecipientError(f"{path}, line {number}: {err}") from None
    if not recipients:
        raise RecipientError(f"{path} holds no recipients")
    return check_recipients(recipients)


def parse_identities(text: str, *, source: str) -> list[Identity]:
    """Identities from the text of an identity file; errors never quote the line."""
    identities: list[Identity] = []
    for number, line in _content_lines(text):
        try:
            identities.append(parse_identity(line))
        except IdentityError as err:
            raise IdentityError(f"{source}, line {number}: {err}") from None
    if not identities:
        raise IdentityError(f"{source} holds no identities")
    return identities


def is_age_file(data: bytes) -> bool:
    """Whether `data` starts like an age file, binary or armored."""
    return data.startswith(VERSION_LINE + b"\n") or looks_armored(data[:64])


def read_identity_file(
    path: str | os.PathLike[str], *, passphrase: PassphraseSource | None = None
) -> list[Identity]:
    """Identities from a plain identity file, or from one encrypted with a passphrase.

    `passphrase` is called only when the file is encrypted, so callers can
    prompt lazily at the terminal, as `age -d -i` does.
    """
    path = Path(path)
    data = _read_capped(path, IdentityError)
    if is_age_file(data):
        if passphrase is None:
            raise IdentityError(f"{path} is passphrase-protected and no passphrase was given")
        data = _open_with_passphrase(data, passphrase(), path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise IdentityError(f"{path} is not UTF-8 text") from None
    return parse_identities(text, source=str(path))


def _open_with_passphrase(data: bytes, passphrase: str, *, path: Path) -> bytes:
    try:
        return decrypt(data, identities=[ScryptIdentity(passphrase)])
    except NoIdentityMatchError:
        # Raises NoIdentityMatchError itself when the file is not encrypted to a
        # passphrase at all; otherwise its one scrypt stanza refused this passphrase.
        read_scrypt_parameters(data)
        raise WrongPassphraseError(f"wrong passphrase for {path}") from None


def format_identity_file(identities: Iterable[Identity], *, day: datetime.date) -> str:
    """The text of an identity file, with each public key as a comment, as age-keygen does."""
    lines: list[str] = []
    for identity in identities:
        recipient = identity.recipient()
        lines += [f"# created: {day.isoformat()}", f"# public key: {recipient}", str(identity)]
    return "\n".join(lines) + "\n"


def write_identity_file(
    path: str | os.PathLike[str],
    identities: Iterable[Identity],
    *,
    passphrase: str | None = None,
    work_factor: int = DEFAULT_WORK_FACTOR,
) -> None:
    """Create `path` (mode 0600, never overwriting) holding `identities`, optionally encrypted."""
    text = format_identity_file(identities, day=datetime.datetime.now(datetime.UTC).date())
    data = text.encode("utf-8")
    if passphrase is not None:
        data = encrypt(data, recipients=[ScryptRecipient(passphrase, work_factor=work_factor)])
    # O_EXCL: an existing key file is never silently replaced, and the mode is
    # set at creation, so the secret is never readable by others even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
