"""Bech32 as age uses it: BIP 173 checksums, one case, no 90-character limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import keys
from keys import bech32

# BIP 173's "valid checksum" test vectors, verbatim.
BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
# BIP 173 rejects this one only for exceeding 90 characters; its checksum is
# good, and age has no length limit (a post-quantum recipient is ~1,960
# characters), so here it must decode.
BIP173_TOO_LONG_FOR_BIP173 = (
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx"
)
# BIP 173's invalid vectors that stay invalid without the length limit, with its reasons.
BIP173_INVALID = {
    " 1nwldj5": "HRP character out of range",
    "\x7f1axkwrx": "HRP character out of range",
    "\x801eym55h": "HRP character out of range",
    "pzry9x0s0muk": "no separator character",
    "1pzry9x0s0muk": "empty HRP",
    "x1b4n0q5v": "invalid data character",
    "li1dgmt3": "too short checksum",
    "de1lg7wt\xff": "invalid character in checksum",
    "A1G7SGD8": "checksum calculated with uppercase form of HRP",
    "10a06t8": "empty HRP",
    "1qzzfhee": "empty HRP",
}


@pytest.mark.parametrize("text", [*BIP173_VALID, BIP173_TOO_LONG_FOR_BIP173])
def test_bip173_valid_checksums_decode_and_re_encode(text: str) -> None:
    hrp, data = bech32.decode(text)
    assert hrp == text[: text.rfind("1")]
    assert bech32.encode(hrp, data) == text


def test_known_data_of_the_full_charset_vector() -> None:
    # Its data part is the 32 five-bit values 0..31 in order, i.e. these 20 bytes.
    _, data = bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")
    assert data == bytes.fromhex("00443214c74254b635cf84653a56d7c675be77df")


@pytest.mark.parametrize("text", list(BIP173_INVALID), ids=list(BIP173_INVALID.values()))
def test_bip173_invalid_vectors(text: str) -> None:
    with pytest.raises(keys.Bech32Error):
        bech32.decode(text)


def test_mixed_case_is_rejected() -> None:
    text = str(keys.X25519Identity(bytes(32)))
    mixed = text[:20] + text[20:].lower()
    with pytest.raises(keys.Bech32Error):
        bech32.decode(mixed)
    with pytest.raises(keys.IdentityError):
        keys.parse_identity(mixed)


def test_one_changed_character_breaks_the_checksum() -> None:
    text = str(keys.X25519Identity(bytes(32)).recipient())
    for index in range(len("age1"), len(text)):
        swapped = "q" if text[index] != "q" else "p"
        with pytest.raises(keys.Bech32Error, match="checksum"):
            bech32.decode(text[:index] + swapped + text[index + 1 :])


def test_non_zero_padding_bits_are_rejected() -> None:
    # One byte is 8 bits, carried in two 5-bit groups with 2 padding bits; set them.
    canonical = bech32.encode("age", b"\x00")
    hrp_and_data = [bech32.CHARSET.index(c) for c in canonical[4:-6]]
    hrp_and_data[-1] |= 1
    forged = _encode_values("age", hrp_and_data)
    with pytest.raises(keys.Bech32Error, match="padding"):
        bech32.decode(forged)


def test_a_whole_spare_group_of_padding_is_rejected() -> None:
    # Five zero bits more than the data needs: still zero, but not what an encoder writes.
    forged = _encode_values("age", [0, 0, 0])
    with pytest.raises(keys.Bech32Error, match="padding"):
        bech32.decode(forged)


def _encode_values(hrp: str, values: list[int]) -> str:
    """A Bech32 string of raw 5-bit values with a correct checksum (to isolate padding)."""
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = bech32._polymod([*expanded, *values, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(bech32.CHARSET[v] for v in values + checksum)


def test_post_quantum_recipient_is_far_past_90_characters_and_round_trips() -> None:
    recipient = keys.HybridIdentity(bytes(32)).recipient()
    text = str(recipient)
    assert len(text) > 1900
    assert text.startswith("age1pq1")
    assert keys.parse_recipient(text) == recipient


def test_upper_case_is_one_case_not_mixed() -> None:
    hrp, data = bech32.decode("A12UEL5L")
    assert (hrp, data) == ("A", b"")
    assert bech32.encode("A", b"") == "A12UEL5L"


# keys/bech32.py converts between bytes and 5-bit groups a 40-bit block at a time;
# BIP 173's reference converts a bit at a time. The two must agree on every input,
# padding refusals included.


def _reference_convert_bits(
    data: list[int], from_bits: int, to_bits: int, *, pad: bool
) -> list[int]:
    """BIP 173's convertbits with age's strict padding, raising where it returns None."""
    acc = bits = 0
    out: list[int] = []
    max_value = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & max_value)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & max_value)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & max_value):
        raise keys.Bech32Error("invalid padding in Bech32 data")
    return out


@given(data=st.binary(max_size=1300))
def test_encoding_matches_the_bit_at_a_time_reference(data: bytes) -> None:
    assert bech32.encode("age", data) == _encode_values(
        "age", _reference_convert_bits(list(data), 8, 5, pad=True)
    )


@given(values=st.lists(st.integers(min_value=0, max_value=31), max_size=120))
def test_decoding_matches_the_bit_at_a_time_reference(values: list[int]) -> None:
    # Any groups at all, with a good checksum: canonical padding or not.
    text = _encode_values("age", values)
    try:
        expected = bytes(_reference_convert_bits(values, 5, 8, pad=False))
    except keys.Bech32Error:
        with pytest.raises(keys.Bech32Error, match="padding"):
            bech32.decode(text)
        return
    assert bech32.decode(text) == ("age", expected)
