"""What a passphrase-encrypted file's header tells without the passphrase: its scrypt salt and cost.

Callers weigh a file before they spend scrypt on it: the review app refuses an
identity file too cheap to guess at, and counts failed passphrases per salt, so
re-encoding a file (binary to armored) does not reset the count.
"""

from __future__ import annotations

import io

from keys.age import read_header
from keys.errors import NoIdentityMatchError
from keys.scrypt import MAX_WORK_FACTOR, ScryptParameters, scrypt_stanza, stanza_parameters


def read_scrypt_parameters(
    data: bytes, *, max_work_factor: int = MAX_WORK_FACTOR
) -> ScryptParameters:
    """The salt and work factor of the passphrase-encrypted age file `data`, binary or armored.

    Only the header is read, so what follows it (the payload, bytes appended)
    does not change the answer, and the parameters are unauthenticated (see
    ScryptParameters). Raises what decrypting with a passphrase would before
    trying one: ArmorError or HeaderError for malformed armor, a malformed header
    or an scrypt stanza that breaks the specification (a work factor above
    `max_work_factor` included), NoIdentityMatchError for a file not encrypted
    to a passphrase.
    """
    _, header = read_header(io.BytesIO(data))
    stanza = scrypt_stanza(header.stanzas)
    if stanza is None:
        raise NoIdentityMatchError("the file is not encrypted to a passphrase")
    return stanza_parameters(stanza, max_work_factor=max_work_factor)
