"""Passphrase recipients and identities (the `scrypt` stanza)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.errors import HeaderError, RecipientError
from keys.header import Stanza
from keys.primitives import b64decode, b64encode, random_bytes, unwrap_file_key, wrap_file_key

STANZA_TYPE = "scrypt"
SALT_LABEL = b"age-encryption.org/v1/scrypt"
SALT_SIZE = 16
WRAPPED_KEY_SIZE = 32
DEFAULT_WORK_FACTOR = 18
# 2^22 takes seconds and 4 GiB-scale effort; a file asking for more is treated
# as an attempt to exhaust the reader's CPU and memory, as the reference does.
MAX_WORK_FACTOR = 22
_WORK_FACTOR = re.compile(r"[1-9][0-9]*")


@dataclass(frozen=True)
class ScryptParameters:
    """What an scrypt stanza says about its passphrase (never the passphrase itself).

    Read from the header before the file key is known, so unauthenticated: a
    file may lie about them, but it then fails to open, because unwrapping
    derives its key with these very parameters.
    """

    salt: bytes
    #: log2 of scrypt's N: each unit doubles the cost of every passphrase guess.
    work_factor: int


def stanza_parameters(stanza: Stanza, *, max_work_factor: int) -> ScryptParameters:
    """The salt and work factor of an scrypt stanza; HeaderError if it breaks the specification."""
    if len(stanza.args) != 2:
        raise HeaderError("scrypt stanza takes exactly two arguments")
    salt = b64decode(stanza.args[0])
    if len(salt) != SALT_SIZE:
        raise HeaderError("scrypt salt is not 16 bytes")
    if not _WORK_FACTOR.fullmatch(stanza.args[1]):
        raise HeaderError("malformed scrypt work factor")
    # Checked as text first: int() of thousands of digits is itself an
    # error (and a cost) that must surface as a header failure.
    if len(stanza.args[1]) > len(str(max_work_factor)):
        raise HeaderError("scrypt work factor exceeds the limit")
    work_factor = int(stanza.args[1])
    if work_factor > max_work_factor:
        raise HeaderError(f"scrypt work factor {work_factor} exceeds the limit")
    if len(stanza.body) != WRAPPED_KEY_SIZE:
        raise HeaderError("scrypt stanza body is not 32 bytes")
    return ScryptParameters(salt=salt, work_factor=work_factor)


def scrypt_stanza(stanzas: Sequence[Stanza]) -> Stanza | None:
    """The header's scrypt stanza, None if it has none; HeaderError if it is not alone."""
    for stanza in stanzas:
        if stanza.type != STANZA_TYPE:
            continue
        # A passphrase file with a second stanza could be opened by someone
        # else too, which a passphrase user would never expect.
        if len(stanzas) != 1:
            raise HeaderError("an scrypt stanza must be the only stanza")
        return stanza
    return None


def _derive(passphrase: str, salt: bytes, work_factor: int) -> bytes:
    kdf = Scrypt(salt=SALT_LABEL + salt, length=32, n=1 << work_factor, r=8, p=1)
    return kdf.derive(passphrase.encode("utf-8"))


class ScryptRecipient:
    """Encrypts to a passphrase; must be the only recipient of its file."""

    post_quantum = False
    exclusive = True

    def __init__(self, passphrase: str, *, work_factor: int = DEFAULT_WORK_FACTOR) -> None:
        if not passphrase:
            raise RecipientError("the passphrase is empty")
        if not 1 <= work_factor <= MAX_WORK_FACTOR:
            raise RecipientError(f"scrypt work factor must be 1 to {MAX_WORK_FACTOR}")
        self._passphrase = passphrase
        self._work_factor = work_factor

    def wrap(self, file_key: bytes) -> Stanza:
        salt = random_bytes(SALT_SIZE)
        key = _derive(self._passphrase, salt, self._work_factor)
        body = wrap_file_key(wrap_key=key, file_key=file_key)
        return Stanza(STANZA_TYPE, (b64encode(salt), str(self._work_factor)), body)

    def __repr__(self) -> str:
        return "<ScryptRecipient>"


class ScryptIdentity:
    """Opens files encrypted to a passphrase, within a work-factor limit."""

    def __init__(self, passphrase: str, *, max_work_factor: int = MAX_WORK_FACTOR) -> None:
        self._passphrase = passphrase
        self._max_work_factor = max_work_factor

    def recipient(self) -> ScryptRecipient:
        """The same passphrase as a recipient, at a work factor this identity accepts.

        RecipientError if the passphrase is empty: nothing may be encrypted to that.
        """
        work_factor = min(DEFAULT_WORK_FACTOR, self._max_work_factor)
        return ScryptRecipient(self._passphrase, work_factor=work_factor)

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        stanza = scrypt_stanza(stanzas)
        if stanza is None:
            return None
        parameters = stanza_parameters(stanza, max_work_factor=self._max_work_factor)
        key = _derive(self._passphrase, parameters.salt, parameters.work_factor)
        return unwrap_file_key(wrap_key=key, body=stanza.body)

    def __repr__(self) -> str:
        return "<ScryptIdentity>"
