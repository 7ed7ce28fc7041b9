"""Identity and recipients files: comments, passphrases, mode 0600, careful errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

import keys
from tests.keys.passphrases import FAST_WORK_FACTOR, PASSPHRASE


def test_plain_identity_file_with_comments_and_blank_lines(tmp_path: Path) -> None:
    first, second = keys.X25519Identity.generate(), keys.HybridIdentity.generate()
    path = tmp_path / "keys.txt"
    path.write_text(f"# reviewer one\n\n   {first}  \n# another\n{second}\n")
    found = keys.read_identity_file(path)
    assert [str(i) for i in found] == [str(first), str(second)]


def test_written_identity_file_is_0600_and_reads_back(tmp_path: Path) -> None:
    identity = keys.HybridIdentity.generate()
    path = tmp_path / "key.txt"
    keys.write_identity_file(path, [identity])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert f"# public key: {identity.recipient()}" in text
    assert [str(i) for i in keys.read_identity_file(path)] == [str(identity)]


def test_passphrase_protected_identity_file(tmp_path: Path) -> None:
    identity = keys.X25519Identity.generate()
    path = tmp_path / "key.age"
    keys.write_identity_file(path, [identity], passphrase=PASSPHRASE, work_factor=FAST_WORK_FACTOR)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert str(identity).encode() not in path.read_bytes()
    asked = []

    def passphrase() -> str:
        asked.append(True)
        return PASSPHRASE

    assert [str(i) for i in keys.read_identity_file(path, passphrase=passphrase)] == [str(identity)]
    assert asked == [True]


def test_passphrase_is_asked_only_for_encrypted_files(tmp_path: Path) -> None:
    path = tmp_path / "key.txt"
    keys.write_identity_file(path, [keys.X25519Identity.generate()])

    def never() -> str:
        raise AssertionError("a plain identity file must not prompt")

    assert len(keys.read_identity_file(path, passphrase=never)) == 1


def test_wrong_passphrase_for_identity_file(tmp_path: Path) -> None:
    path = tmp_path / "key.age"
    keys.write_identity_file(
        path, [keys.X25519Identity.generate()], passphrase=PASSPHRASE, work_factor=FAST_WORK_FACTOR
    )
    with pytest.raises(keys.WrongPassphraseError, match=f"^wrong passphrase for {path}$"):
        keys.read_identity_file(path, passphrase=lambda: "wrong")
    with pytest.raises(keys.IdentityError):
        keys.read_identity_file(path)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "key.txt"
    path.write_text("precious\n")
    with pytest.raises(FileExistsError):
        keys.write_identity_file(path, [keys.X25519Identity.generate()])
    assert path.read_text() == "precious\n"


def test_bad_line_is_reported_by_number_without_echoing_the_secret(tmp_path: Path) -> None:
    good = str(keys.X25519Identity.generate())
    broken = good[:-1] + ("q" if good[-1] != "q" else "p")  # a secret with a bad checksum
    path = tmp_path / "key.txt"
    path.write_text(f"# comment\n{good}\n\n{broken}\n")
    with pytest.raises(keys.IdentityError) as failure:
        keys.read_identity_file(path)
    message = str(failure.value)
    assert "line 4" in message
    assert broken not in message and broken[20:40] not in message
    assert good[20:40] not in message


def test_identity_file_without_identities(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("# nothing here\n\n")
    with pytest.raises(keys.IdentityError):
        keys.read_identity_file(path)


def test_missing_identity_file_is_an_identity_error(tmp_path: Path) -> None:
    with pytest.raises(keys.IdentityError):
        keys.read_identity_file(tmp_path / "absent.txt")


def test_recipients_file(tmp_path: Path) -> None:
    recipients = [keys.HybridIdentity.generate().recipient() for _ in range(2)]
    path = tmp_path / "recipients.txt"
    path.write_text("# the review team\n\n" + "\n".join(map(str, recipients)) + "\n")
    assert keys.read_recipients_file(path) == recipients


def test_recipients_file_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "recipients.txt"
    path.write_text(f"{keys.X25519Identity.generate().recipient()}\nage1nonsense\n")
    with pytest.raises(keys.RecipientError, match="line 2"):
        keys.read_recipients_file(path)


def test_recipients_file_refuses_mixing_post_quantum_and_classic(tmp_path: Path) -> None:
    path = tmp_path / "recipients.txt"
    pq = keys.HybridIdentity.generate().recipient()
    classic = keys.X25519Identity.generate().recipient()
    path.write_text(f"{pq}\n{classic}\n")
    with pytest.raises(keys.MixedRecipientsError):
        keys.read_recipients_file(path)


def test_identity_file_from_age_keygen_format(tmp_path: Path) -> None:
    # The exact layout age-keygen writes (see test_interop for the real tool).
    identity = keys.X25519Identity.generate()
    path = tmp_path / "key.txt"
    path.write_text(
        f"# created: 2026-01-01T00:00:00Z\n# public key: {identity.recipient()}\n{identity}\n"
    )
    (found,) = keys.read_identity_file(path)
    assert str(found) == str(identity)


def test_an_age_file_not_encrypted_to_a_passphrase_is_not_called_a_wrong_passphrase(
    tmp_path: Path,
) -> None:
    path = tmp_path / "key.age"
    path.write_bytes(keys.encrypt(b"AGE-SECRET-KEY-1X\n",
                                  recipients=[keys.X25519Identity.generate().recipient()]))
    with pytest.raises(keys.NoIdentityMatchError) as raised:
        keys.read_identity_file(path, passphrase=lambda: "anything")
    assert not isinstance(raised.value, keys.WrongPassphraseError)
