"""Every header rule of the specification, each failure with its own exception class."""

from __future__ import annotations

import pytest

import keys
from tests.keys.craft import AgeFile, b64, not_canonical
from tests.keys.failures import IDENTITY, SECRET, assert_fails


def good() -> AgeFile:
    return AgeFile().version().x25519(SECRET)


def decrypt(data: bytes) -> bytes:
    return keys.decrypt(data, identities=[IDENTITY])


def test_the_independent_encoder_and_keys_agree() -> None:
    assert decrypt(good().mac().payload(b"hello").bytes()) == b"hello"


def test_unknown_version() -> None:
    assert_fails(
        AgeFile().version("v2").x25519(SECRET).mac().payload(b"x").bytes(), keys.HeaderError
    )


def test_flipped_version_line() -> None:
    data = bytearray(good().mac().payload(b"x").bytes())
    data[3] ^= 0x01
    assert_fails(bytes(data), keys.HeaderError)


@pytest.mark.parametrize("where", ["version", "stanza", "body", "mac"])
def test_carriage_return_anywhere_in_the_header(where: str) -> None:
    lines = good().mac().bytes().split(b"\n")
    index = {"version": 0, "stanza": 1, "body": 2, "mac": 3}[where]
    lines[index] += b"\r"
    assert_fails(b"\n".join(lines) + AgeFile().nonce().buf, keys.HeaderError)


def test_body_line_longer_than_64_columns() -> None:
    f = AgeFile().version().args("grease").line("A" * 68).line("")
    assert_fails(f.x25519(SECRET).mac().payload(b"x").bytes(), keys.HeaderError)


def test_body_missing_its_final_short_line() -> None:
    # 48 bytes fill one line exactly, so the body must end with an empty line.
    f = AgeFile().version().args("grease").line(b64(bytes(48)))
    assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)


def test_body_with_several_short_lines() -> None:
    f = AgeFile().version().args("grease").line("AAAA").line("AAAA").x25519(SECRET)
    assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)


@pytest.mark.parametrize(
    "args",
    [
        ["X25519", "a", ""],  # empty argument (two spaces)
        [""],  # no type at all
        ["X25519", "caf\xe9"],  # not ASCII
        ["X25519", "tab\there"],  # not VCHAR
    ],
    ids=["empty-argument", "no-type", "non-ascii", "control-character"],
)
def test_malformed_stanza_line(args: list[str]) -> None:
    f = AgeFile().version()
    f.line(" ".join(("->", *args)).encode("utf-8")).line("")
    assert_fails(f.x25519(SECRET).mac().payload(b"x").bytes(), keys.HeaderError)


def test_no_stanzas() -> None:
    assert_fails(AgeFile().version().mac().payload(b"x").bytes(), keys.HeaderError)


def test_stanza_line_without_the_arrow_space() -> None:
    f = AgeFile().version().line("->X25519 abc").line("")
    assert_fails(f.x25519(SECRET).mac().payload(b"x").bytes(), keys.HeaderError)


def test_unknown_stanza_types_are_skipped_but_covered_by_the_mac() -> None:
    grease = AgeFile().version().args("grease-2f", "!#$%&'*+", "~").body(bytes(100))
    data = grease.x25519(SECRET).args("x25519").body(bytes(5)).mac().payload(b"ok").bytes()
    assert decrypt(data) == b"ok"
    # One flipped bit in the unknown stanza's body: the key still unwraps, the MAC catches it.
    start = data.index(b"\n", data.index(b"grease-2f")) + 1
    tampered = bytearray(data)
    tampered[start] = ord("B")
    assert_fails(bytes(tampered), keys.HeaderMACError)


def test_stanza_types_are_case_sensitive() -> None:
    data = good().bytes().replace(b"-> X25519", b"-> x25519")
    assert_fails(
        AgeFile().line(data.rstrip(b"\n")).mac().payload(b"x").bytes(), keys.NoIdentityMatchError
    )


def test_wrong_identity() -> None:
    data = good().mac().payload(b"x").bytes()
    with pytest.raises(keys.NoIdentityMatchError):
        keys.decrypt(data, identities=[keys.X25519Identity.generate()])


def test_no_identities_at_all() -> None:
    with pytest.raises(keys.NoIdentityMatchError):
        keys.decrypt(good().mac().payload(b"x").bytes(), identities=[])


class TestMAC:
    def test_flipped_mac(self) -> None:
        data = good().mac().payload(b"x").bytes()
        mac_at = data.index(b"\n--- ") + 5
        tampered = data[:mac_at] + (b"B" if data[mac_at : mac_at + 1] != b"B" else b"C")
        assert_fails(tampered + data[mac_at + 1 :], keys.HeaderMACError)

    def test_mac_of_another_file_key(self) -> None:
        header = good().bytes()
        other = AgeFile(file_key=b"another file key")
        other.buf += header
        assert_fails(other.mac().payload(b"x").bytes(), keys.HeaderMACError)

    def test_non_canonical_mac(self) -> None:
        lines = good().mac().bytes().split(b"\n")
        lines[-2] = b"--- " + not_canonical(lines[-2][4:].decode()).encode()
        data = b"\n".join(lines) + AgeFile().nonce().buf
        assert_fails(data, keys.HeaderError)

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda mac: b"---",  # missing
            lambda mac: b"--- " + mac[:-1],  # truncated
            lambda mac: b"---  " + mac,  # extra space
            lambda mac: b"--- " + mac + b" ",  # trailing space
            lambda mac: b"---" + mac,  # no space
            lambda mac: b"--- " + mac + b"==",  # padded
        ],
        ids=["missing", "truncated", "extra-space", "trailing-space", "no-space", "padded"],
    )
    def test_malformed_mac_line(self, mangle: object) -> None:
        lines = good().mac().bytes().split(b"\n")
        lines[-2] = mangle(lines[-2][4:])  # type: ignore[operator]
        assert_fails(b"\n".join(lines) + AgeFile().nonce().buf + bytes(32), keys.HeaderError)


class TestBase64:
    def test_non_canonical_argument(self) -> None:
        share = b64(bytes.fromhex("2f" * 32))
        f = AgeFile().version().args("X25519", not_canonical(share)).body(bytes(32))
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    def test_non_canonical_body(self) -> None:
        f = AgeFile().version().args("grease").line(not_canonical(b64(bytes(10)))).x25519(SECRET)
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    def test_padded_body(self) -> None:
        f = AgeFile().version().args("grease").line(b64(bytes(10)) + "==").x25519(SECRET)
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)

    def test_invalid_character_in_body(self) -> None:
        f = AgeFile().version().args("grease").line("AA-A").x25519(SECRET)
        assert_fails(f.mac().payload(b"x").bytes(), keys.HeaderError)


class TestTruncation:
    def test_header_cut_mid_line(self) -> None:
        data = good().mac().bytes()
        for cut in (0, 10, 22, 40, len(data) - 20, len(data) - 1):
            assert_fails(data[:cut], keys.HeaderError)

    def test_nonce_missing(self) -> None:
        assert_fails(good().mac().bytes(), keys.HeaderError)

    def test_nonce_short(self) -> None:
        assert_fails(good().mac().bytes() + bytes(15), keys.HeaderError)

    def test_endless_header_line_is_refused_without_buffering_it(self) -> None:
        data = b"age-encryption.org/v1\n-> grease " + b"a" * (2 << 20)
        assert_fails(data, keys.HeaderError)
