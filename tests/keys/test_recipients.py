"""Which recipients may share a file, and how recipient and identity strings parse."""

from __future__ import annotations

import pytest

import keys
from tests.keys.passphrases import FAST_WORK_FACTOR


def test_mixing_post_quantum_and_classic_recipients_is_refused() -> None:
    # Only writing is refused: reading such a file (the testkit's hybrid_and_x25519) works.
    pq = keys.HybridIdentity.generate().recipient()
    classic = keys.X25519Identity.generate().recipient()
    for recipients in ([pq, classic], [classic, pq]):
        with pytest.raises(keys.MixedRecipientsError):
            keys.encrypt(b"x", recipients=recipients)


def test_passphrase_with_another_recipient_is_refused() -> None:
    passphrase = keys.ScryptRecipient("pw", work_factor=FAST_WORK_FACTOR)
    classic = keys.X25519Identity.generate().recipient()
    for recipients in ([passphrase, classic], [classic, passphrase]):
        with pytest.raises(keys.RecipientError) as failure:
            keys.encrypt(b"x", recipients=recipients)
        assert failure.type is keys.RecipientError
    with pytest.raises(keys.RecipientError):
        keys.encrypt(b"x", recipients=[passphrase, keys.ScryptRecipient("other", work_factor=1)])


@pytest.mark.parametrize("kind", ["x25519", "hybrid"])
def test_every_identity_opens_what_is_encrypted_to_its_recipient(
    kinds: dict[str, tuple[keys.Recipient, keys.Identity]], kind: str
) -> None:
    recipient, identity = kinds[kind]
    assert isinstance(identity, keys.Identity)
    assert identity.recipient() == recipient
    data = keys.encrypt(b"x", recipients=[identity.recipient()])
    assert keys.decrypt(data, identities=[identity]) == b"x"


def test_a_passphrase_identity_has_its_passphrase_as_recipient() -> None:
    identity = keys.ScryptIdentity("pw", max_work_factor=FAST_WORK_FACTOR)
    assert isinstance(identity, keys.Identity)
    recipient = identity.recipient()
    assert isinstance(recipient, keys.ScryptRecipient)
    # At a work factor the identity accepts, or it could not open its own files.
    data = keys.encrypt(b"x", recipients=[recipient])
    assert keys.decrypt(data, identities=[identity]) == b"x"
    with pytest.raises(keys.RecipientError):
        keys.ScryptIdentity("").recipient()


def test_no_recipients_is_refused() -> None:
    with pytest.raises(keys.RecipientError):
        keys.encrypt(b"x", recipients=[])


@pytest.mark.parametrize("kind", [keys.X25519Identity, keys.HybridIdentity])
def test_strings_round_trip(kind: type[keys.X25519Identity]) -> None:
    identity = kind.generate()
    assert str(keys.parse_identity(str(identity))) == str(identity)
    assert keys.parse_recipient(str(identity.recipient())) == identity.recipient()


@pytest.mark.parametrize(
    "text",
    ["", "age1", "age1qqqq", "AGE1" + "Q" * 58, "ssh-ed25519 AAAA", "age1pq1qqqqqqqq"],
)
def test_malformed_recipients(text: str) -> None:
    with pytest.raises(keys.RecipientError):
        keys.parse_recipient(text)


def test_identity_is_not_a_recipient_and_back() -> None:
    identity = keys.X25519Identity.generate()
    with pytest.raises(keys.RecipientError):
        keys.parse_recipient(str(identity))
    with pytest.raises(keys.IdentityError):
        keys.parse_identity(str(identity.recipient()))


def test_wrong_length_keys_are_refused() -> None:
    from keys import bech32

    with pytest.raises(keys.RecipientError):
        keys.parse_recipient(bech32.encode("age", bytes(31)))
    with pytest.raises(keys.IdentityError):
        keys.parse_identity(bech32.encode("AGE-SECRET-KEY-", bytes(33)))
    with pytest.raises(keys.IdentityError):
        keys.parse_identity(bech32.encode("AGE-SECRET-KEY-PQ-", bytes(31)))


def test_identity_repr_never_shows_the_secret() -> None:
    for identity in (keys.X25519Identity.generate(), keys.HybridIdentity.generate()):
        assert str(identity)[20:] not in repr(identity)
