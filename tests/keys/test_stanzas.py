"""The rules of each recipient stanza: X25519, scrypt and mlkem768x25519."""

from __future__ import annotations

import time

import pytest

import keys
from keys.header import Stanza, encode_header_without_mac
from tests.keys.craft import FILE_KEY, AgeFile, b64, not_canonical
from tests.keys.failures import assert_fails
from tests.keys.passphrases import FAST_WORK_FACTOR

SECRET = bytes(range(32))
IDENTITY = keys.X25519Identity(SECRET)
# Points of small order on Curve25519: X25519 with them yields an all-zero secret.
LOW_ORDER_POINTS = [
    bytes(32),
    (1).to_bytes(32, "little"),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
]


def decrypt_with(data: bytes, identity: keys.Identity) -> bytes:
    return keys.decrypt(data, identities=[identity])


class TestX25519:
    def test_extra_argument(self) -> None:
        f = AgeFile().version().x25519(SECRET)
        lines = f.bytes().split(b"\n")
        lines[1] += b" 1234"
        data = AgeFile().line(b"\n".join(lines).rstrip(b"\n")).mac().payload(b"x").bytes()
        assert_fails(data, keys.HeaderError)

    def test_missing_argument(self) -> None:
        f = AgeFile().version().args("X25519").body(bytes(32))
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    @pytest.mark.parametrize("size", [31, 33])
    def test_share_of_the_wrong_size(self, size: int) -> None:
        f = AgeFile().version().args("X25519", b64(b"\x09" * size)).body(bytes(32))
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    @pytest.mark.parametrize("point", LOW_ORDER_POINTS, ids=["zero", "one", "order-8"])
    def test_low_order_share(self, point: bytes) -> None:
        # Whoever sees such a file could compute the wrap key: it is malformed, not "not mine".
        f = AgeFile().version().args("X25519", b64(point)).body(bytes(32))
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    @pytest.mark.parametrize("file_key_size", [15, 17])
    def test_file_key_not_16_bytes(self, file_key_size: int) -> None:
        f = AgeFile(file_key=b"k" * file_key_size).version().x25519(SECRET)
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    def test_flipped_share_is_someone_elses_stanza(self) -> None:
        share = AgeFile().version().x25519(SECRET).bytes().split(b"\n")[1][len(b"-> X25519 ") :]
        other = share[:5] + (b"A" if share[5:6] != b"A" else b"B") + share[6:]
        data = AgeFile().version().x25519(SECRET).mac().payload(b"x").bytes().replace(share, other)
        assert_fails(data, keys.NoIdentityMatchError)

    def test_flipped_body_is_someone_elses_stanza(self) -> None:
        lines = AgeFile().version().x25519(SECRET).mac().payload(b"x").bytes().split(b"\n")
        lines[2] = (b"A" if lines[2][:1] != b"A" else b"B") + lines[2][1:]
        assert_fails(b"\n".join(lines), keys.NoIdentityMatchError)

    def test_non_canonical_body(self) -> None:
        lines = AgeFile().version().x25519(SECRET).mac().payload(b"x").bytes().split(b"\n")
        lines[2] = not_canonical(lines[2].decode()).encode()
        assert_fails(b"\n".join(lines), keys.HeaderError)


class TestScrypt:
    def file(self, work_factor: int | str = FAST_WORK_FACTOR, *extra: str) -> bytes:
        # The body only has to be 32 bytes: these checks come before any unwrapping.
        f = AgeFile().version().args("scrypt", b64(b"\x02" * 16), str(work_factor), *extra)
        return f.body(bytes(32)).mac().payload(b"x").bytes()

    def test_right_passphrase(self) -> None:
        f = AgeFile().version().scrypt("pw", work_factor=FAST_WORK_FACTOR).mac().payload(b"ok")
        assert decrypt_with(f.bytes(), keys.ScryptIdentity("pw")) == b"ok"

    def test_wrong_passphrase(self) -> None:
        f = AgeFile().version().scrypt("pw", work_factor=FAST_WORK_FACTOR).mac().payload(b"ok")
        with pytest.raises(keys.NoIdentityMatchError):
            decrypt_with(f.bytes(), keys.ScryptIdentity("not pw"))

    def test_work_factor_above_22_is_refused_before_any_work(self) -> None:
        # 2^23 would take tens of seconds and 8 GiB: the refusal must come first.
        f = AgeFile().version().scrypt("pw", work_factor=1).bytes()
        data = f.replace(b" 1\n", b" 23\n")
        data = AgeFile().line(data.rstrip(b"\n")).mac().payload(b"x").bytes()
        started = time.monotonic()
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(data, keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError
        assert time.monotonic() - started < 1

    @pytest.mark.parametrize("work_factor", ["018", "0", "-1", "+10", "0x10", "1a", "10.0", "１０"])
    def test_malformed_work_factor(self, work_factor: str) -> None:
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(self.file(work_factor), keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError

    def test_missing_work_factor(self) -> None:
        f = AgeFile().version().args("scrypt", b64(b"\x02" * 16)).body(bytes(32))
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(f.mac().payload(b"x").bytes(), keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError

    def test_extra_argument(self) -> None:
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(self.file(FAST_WORK_FACTOR, "extra"), keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError

    @pytest.mark.parametrize("salt_size", [0, 15, 17])
    def test_salt_of_the_wrong_size(self, salt_size: int) -> None:
        f = AgeFile().version().scrypt("pw", work_factor=1, salt=b"\x02" * salt_size)
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(f.mac().payload(b"x").bytes(), keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError

    @pytest.mark.parametrize(
        "identity", [IDENTITY, keys.ScryptIdentity("pw")], ids=["x25519", "scrypt"]
    )
    def test_scrypt_must_be_alone(self, identity: keys.Identity) -> None:
        # Whichever identity the reader holds: a passphrase file others can open is malformed.
        f = AgeFile().version().x25519(SECRET).scrypt("pw", work_factor=FAST_WORK_FACTOR)
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(f.mac().payload(b"x").bytes(), identity)
        assert failure.type is keys.HeaderError

    def test_two_scrypt_stanzas(self) -> None:
        f = AgeFile().version().scrypt("pw", work_factor=1).scrypt("pw", work_factor=1)
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(f.mac().payload(b"x").bytes(), keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError

    def test_file_key_not_16_bytes(self) -> None:
        f = AgeFile(file_key=b"k" * 17).version().scrypt("pw", work_factor=1)
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(f.mac().payload(b"x").bytes(), keys.ScryptIdentity("pw"))
        assert failure.type is keys.HeaderError

    def test_recipient_refuses_work_factors_the_reader_would_refuse(self) -> None:
        with pytest.raises(keys.RecipientError):
            keys.ScryptRecipient("pw", work_factor=23)
        with pytest.raises(keys.RecipientError):
            keys.ScryptRecipient("", work_factor=FAST_WORK_FACTOR)


class TestHybrid:
    """mlkem768x25519 stanzas, built by wrapping a known file key and then altering them."""

    identity = keys.HybridIdentity(bytes(range(32)))

    def file(self, stanza: Stanza, *, file_key: bytes = FILE_KEY) -> bytes:
        f = AgeFile(file_key=file_key)
        f.buf += encode_header_without_mac([stanza])[: -len(b"---")]
        return f.mac().payload(b"x").bytes()

    def stanza(self) -> Stanza:
        return self.identity.recipient().wrap(FILE_KEY)

    def fails(self, stanza: Stanza, error: type[keys.AgeError]) -> None:
        with pytest.raises(keys.AgeError) as failure:
            decrypt_with(self.file(stanza), self.identity)
        assert failure.type is error, failure.value

    def test_untouched(self) -> None:
        assert decrypt_with(self.file(self.stanza()), self.identity) == b"x"

    @pytest.mark.parametrize("point", LOW_ORDER_POINTS, ids=["zero", "one", "order-8"])
    def test_low_order_x25519_share_inside_enc_is_a_header_failure(self, point: bytes) -> None:
        # HPKE alone would call this a failed tag, i.e. "not for me"; the spec says malformed.
        stanza = self.stanza()
        enc = keys.hybrid.b64decode(stanza.args[0])
        self.fails(Stanza(stanza.type, (b64(enc[:-32] + point),), stanza.body), keys.HeaderError)

    def test_corrupted_mlkem_ciphertext_is_no_match(self) -> None:
        stanza = self.stanza()
        enc = bytearray(keys.hybrid.b64decode(stanza.args[0]))
        enc[100] ^= 1
        self.fails(Stanza(stanza.type, (b64(bytes(enc)),), stanza.body), keys.NoIdentityMatchError)

    def test_bad_tag_is_no_match(self) -> None:
        stanza = self.stanza()
        body = stanza.body[:-1] + bytes([stanza.body[-1] ^ 1])
        self.fails(Stanza(stanza.type, stanza.args, body), keys.NoIdentityMatchError)

    def test_extra_argument(self) -> None:
        stanza = self.stanza()
        self.fails(Stanza(stanza.type, (*stanza.args, "x"), stanza.body), keys.HeaderError)

    @pytest.mark.parametrize("delta", [-1, 1])
    def test_enc_of_the_wrong_size(self, delta: int) -> None:
        stanza = self.stanza()
        enc = keys.hybrid.b64decode(stanza.args[0])
        enc = enc[:delta] if delta < 0 else enc + b"\x00"
        self.fails(Stanza(stanza.type, (b64(enc),), stanza.body), keys.HeaderError)

    def test_body_of_the_wrong_size(self) -> None:
        stanza = self.stanza()
        self.fails(Stanza(stanza.type, stanza.args, stanza.body + b"\x00"), keys.HeaderError)

    def test_non_canonical_enc(self) -> None:
        stanza = self.stanza()
        self.fails(
            Stanza(stanza.type, (not_canonical(stanza.args[0]),), stanza.body), keys.HeaderError
        )

    def test_uppercase_type_is_another_stanza(self) -> None:
        stanza = self.stanza()
        self.fails(Stanza(stanza.type.upper(), stanza.args, stanza.body), keys.NoIdentityMatchError)

    def test_a_classic_identity_does_not_open_a_hybrid_stanza(self) -> None:
        with pytest.raises(keys.NoIdentityMatchError):
            decrypt_with(self.file(self.stanza()), IDENTITY)
