"""A passphrase-encrypted file's scrypt salt and work factor, read without the passphrase."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import keys
from tests.keys.craft import AgeFile, armor, b64
from tests.keys.passphrases import FAST_WORK_FACTOR, PASSPHRASE

SALT = bytes(range(16))


def crafted(*stanza_args: str) -> bytes:
    """A passphrase file whose one stanza has `stanza_args` and a well-sized body."""
    return AgeFile().version().args(*stanza_args).body(bytes(32)).mac().payload(b"").bytes()


def test_the_parameters_the_file_was_written_with() -> None:
    data = AgeFile().version().scrypt(PASSPHRASE, work_factor=FAST_WORK_FACTOR, salt=SALT)
    parameters = keys.read_scrypt_parameters(data.mac().payload(b"x").bytes())
    assert parameters == keys.ScryptParameters(salt=SALT, work_factor=FAST_WORK_FACTOR)


def test_binary_armored_and_appended_to_read_alike(
    scrypt_recipient: Callable[[str], keys.ScryptRecipient],
) -> None:
    binary = keys.encrypt(b"x", recipients=[scrypt_recipient(PASSPHRASE)])
    parameters = keys.read_scrypt_parameters(binary)
    assert parameters.work_factor == FAST_WORK_FACTOR
    assert len(parameters.salt) == 16
    assert keys.read_scrypt_parameters(armor(binary)) == parameters
    # Only the header is read: bytes after it are the decryptor's business.
    assert keys.read_scrypt_parameters(binary + b"trailing garbage") == parameters


def test_a_file_for_a_key_is_not_for_a_passphrase(x25519_identity: keys.X25519Identity) -> None:
    data = keys.encrypt(b"x", recipients=[x25519_identity.recipient()])
    with pytest.raises(keys.NoIdentityMatchError):
        keys.read_scrypt_parameters(data)
    with pytest.raises(keys.NoIdentityMatchError):
        keys.decrypt(data, identities=[keys.ScryptIdentity(PASSPHRASE)])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", keys.HeaderError),
        (b"not an age file", keys.HeaderError),
        (b"age-encryption.org/v1\n-> scrypt", keys.HeaderError),
        (b"-----BEGIN AGE ENCRYPTED FILE-----\nnot base64!\n", keys.ArmorError),
        (crafted("scrypt", b64(SALT)), keys.HeaderError),
        (crafted("scrypt", b64(SALT[:15]), "10"), keys.HeaderError),
        (crafted("scrypt", b64(SALT), "010"), keys.HeaderError),
        (crafted("scrypt", b64(SALT), "23"), keys.HeaderError),
        (crafted("scrypt", b64(SALT), "9" * 5000), keys.HeaderError),
    ],
    ids=[
        "empty",
        "not age",
        "truncated",
        "bad armor",
        "no work factor",
        "short salt",
        "leading zero",
        "over the limit",
        "thousands of digits",
    ],
)
def test_malformed_files_raise_what_decrypting_would(
    data: bytes, error: type[keys.AgeError]
) -> None:
    with pytest.raises(keys.AgeError) as failure:
        keys.read_scrypt_parameters(data)
    assert failure.type is error, failure.value
    with pytest.raises(error):
        keys.decrypt(data, identities=[keys.ScryptIdentity(PASSPHRASE)])


def test_a_second_stanza_beside_scrypt_is_refused(x25519_identity: keys.X25519Identity) -> None:
    data = (
        AgeFile()
        .version()
        .scrypt(PASSPHRASE, work_factor=1, salt=SALT)
        .args("X25519", b64(bytes(32)))
        .body(bytes(32))
        .mac()
        .payload(b"")
        .bytes()
    )
    with pytest.raises(keys.HeaderError, match="only stanza"):
        keys.read_scrypt_parameters(data)


def test_a_lower_limit_is_the_callers_to_set() -> None:
    data = crafted("scrypt", b64(SALT), "12")
    assert keys.read_scrypt_parameters(data, max_work_factor=12).work_factor == 12
    with pytest.raises(keys.HeaderError, match="exceeds the limit"):
        keys.read_scrypt_parameters(data, max_work_factor=11)
