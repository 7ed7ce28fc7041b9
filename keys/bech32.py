"""Bech32 (BIP 173) without the 90-character limit.

age keys use BIP 173's checksum, but a post-quantum recipient is about 1,950
characters long, far past BIP 173's limit, so no off-the-shelf codec will do.
"""

from __future__ import annotations

from keys.errors import AgeError, Bech32Error

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CHECKSUM_LENGTH = 6
# What the five bits shifted out of the checksum add to it, for each of their 32
# values: one lookup a character instead of five tests (a post-quantum recipient
# has 1,950 of them, and intake writes one with every submission).
_TOP_XOR = tuple(
    _GENERATOR[0] * (top & 1)
    ^ _GENERATOR[1] * (top >> 1 & 1)
    ^ _GENERATOR[2] * (top >> 2 & 1)
    ^ _GENERATOR[3] * (top >> 3 & 1)
    ^ _GENERATOR[4] * (top >> 4 & 1)
    for top in range(32)
)


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        chk = ((chk & 0x1FFFFFF) << 5 ^ value) ^ _TOP_XOR[chk >> 25]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, *, pad: bool) -> list[int]:
    acc = 0
    bits = 0
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
        # Leftover bits must be fewer than a whole input group and all zero:
        # anything else means the string was not produced by a canonical encoder.
        raise Bech32Error("invalid padding in Bech32 data")
    return out


def encode(hrp: str, data: bytes) -> str:
    """Encode `data` under `hrp`; the case of the result follows the case of `hrp`."""
    if not hrp or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise Bech32Error("invalid human-readable part")
    if hrp.lower() != hrp and hrp.upper() != hrp:
        raise Bech32Error("mixed-case human-readable part")
    lower_hrp = hrp.lower()
    values = _convert_bits(data, 8, 5, pad=True)
    polymod = _polymod([*_hrp_expand(lower_hrp), *values, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(_CHECKSUM_LENGTH)]
    text = lower_hrp + "1" + "".join(CHARSET[v] for v in values + checksum)
    return text.upper() if hrp.upper() == hrp and hrp.lower() != hrp else text


def decode(text: str) -> tuple[str, bytes]:
    """Decode a Bech32 string into (hrp, data); the hrp is returned in the input's case."""
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise Bech32Error("invalid character in Bech32 string")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed-case Bech32 string")
    separator = text.rfind("1")
    if separator < 1 or separator + 1 + _CHECKSUM_LENGTH > len(text):
        raise Bech32Error("missing separator or checksum")
    hrp = text[:separator]
    lower = text.lower()
    try:
        values = [_CHARSET_INDEX[c] for c in lower[separator + 1 :]]
    except KeyError:
        raise Bech32Error("invalid character in Bech32 data") from None
    if _polymod([*_hrp_expand(hrp.lower()), *values]) != 1:
        raise Bech32Error("invalid Bech32 checksum")
    data = _convert_bits(values[:-_CHECKSUM_LENGTH], 5, 8, pad=False)
    return hrp, bytes(data)


def decode_key(text: str, *, hrp: str, error: type[AgeError], kind: str) -> bytes:
    """The data of a key string that must carry exactly `hrp`, or `error` naming `kind`.

    Messages name the rule that failed, never the text: it may be a secret key.
    """
    try:
        found, data = decode(text)
    except Bech32Error as err:
        raise error(f"malformed {kind}: {err}") from None
    if found != hrp:
        raise error(f"not an {kind}")
    return data
