"""Bech32 (BIP 173) without the 90-character limit.

age keys use BIP 173's checksum, but a post-quantum recipient is about 1,950
characters long, far past BIP 173's limit, so no off-the-shelf codec will do.
"""

from __future__ import annotations

from collections.abc import Iterable

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


# A 5-bit group a byte, as CHARSET's letters and back (bytes.translate runs in C);
# a byte that is no letter of CHARSET reads as _NOT_A_LETTER.
_GROUP_LETTERS = bytes.maketrans(bytes(range(32)), CHARSET.encode("ascii"))
_NOT_A_LETTER = 0xFF
_LETTER_GROUPS = bytes(_CHARSET_INDEX.get(chr(byte), _NOT_A_LETTER) for byte in range(256))
# Two 5-bit groups for each 10-bit value: a 40-bit block of data is four lookups.
_GROUP_PAIRS = tuple(bytes((pair >> 5, pair & 31)) for pair in range(1024))
# 5 bytes are 40 bits, exactly 8 groups: the data is converted a block at a time.
_BLOCK_BYTES = 5
_BLOCK_GROUPS = 8


def _polymod(values: Iterable[int]) -> int:
    chk = 1
    for value in values:
        chk = ((chk & 0x1FFFFFF) << 5 ^ value) ^ _TOP_XOR[chk >> 25]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _printable_ascii(text: str) -> bool:
    """Whether every character of `text` is within ASCII 33-126, as BIP 173 requires."""
    # Printable ASCII is 32-126: the space is the one more (C-speed string tests
    # instead of a loop over the 1,950 characters of a post-quantum recipient).
    return text.isascii() and text.isprintable() and " " not in text


def _to_groups(data: bytes) -> bytes:
    """`data` as 5-bit groups, one a byte, the last one's spare bits zero (BIP 173 padding).

    A block at a time rather than a bit at a time: a post-quantum recipient is
    1,216 bytes, and intake encodes one with every submission.
    """
    # Zero bytes complete the last block; the groups made only of them are cut off.
    padded = data + bytes(-len(data) % _BLOCK_BYTES)
    pairs = _GROUP_PAIRS
    parts: list[bytes] = []
    for at in range(0, len(padded), _BLOCK_BYTES):
        block = int.from_bytes(padded[at : at + _BLOCK_BYTES], "big")
        parts += (pairs[block >> 30], pairs[block >> 20 & 1023],
                  pairs[block >> 10 & 1023], pairs[block & 1023])  # fmt: skip
    return b"".join(parts)[: -(-len(data) * 8 // 5)]


def _from_groups(groups: bytes) -> bytes:
    """The bytes 5-bit `groups` (one a byte) carry; Bech32Error unless padded canonically."""
    spare_bits = len(groups) * 5 % 8
    if spare_bits >= 5:
        # A whole group more than the data needs: not what an encoder writes.
        raise Bech32Error("invalid padding in Bech32 data")
    padded = groups + bytes(-len(groups) % _BLOCK_GROUPS)
    out = bytearray()
    for at in range(0, len(padded), _BLOCK_GROUPS):
        g = padded[at : at + _BLOCK_GROUPS]
        block = (g[0] << 35 | g[1] << 30 | g[2] << 25 | g[3] << 20
                 | g[4] << 15 | g[5] << 10 | g[6] << 5 | g[7])  # fmt: skip
        out += block.to_bytes(_BLOCK_BYTES, "big")
    length = len(groups) * 5 // 8
    if any(out[length:]):
        # The spare bits of the last group (and the zero groups added here) must all
        # be zero: anything else means the string was not produced by a canonical encoder.
        raise Bech32Error("invalid padding in Bech32 data")
    return bytes(out[:length])


def encode(hrp: str, data: bytes) -> str:
    """Encode `data` under `hrp`; the case of the result follows the case of `hrp`."""
    if not hrp or not _printable_ascii(hrp):
        raise Bech32Error("invalid human-readable part")
    if hrp.lower() != hrp and hrp.upper() != hrp:
        raise Bech32Error("mixed-case human-readable part")
    lower_hrp = hrp.lower()
    groups = _to_groups(data)
    polymod = _polymod([*_hrp_expand(lower_hrp), *groups, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = bytes((polymod >> 5 * (5 - i)) & 31 for i in range(_CHECKSUM_LENGTH))
    text = lower_hrp + "1" + (groups + checksum).translate(_GROUP_LETTERS).decode("ascii")
    return text.upper() if hrp.upper() == hrp and hrp.lower() != hrp else text


def decode(text: str) -> tuple[str, bytes]:
    """Decode a Bech32 string into (hrp, data); the hrp is returned in the input's case."""
    if not _printable_ascii(text):
        raise Bech32Error("invalid character in Bech32 string")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed-case Bech32 string")
    separator = text.rfind("1")
    if separator < 1 or separator + 1 + _CHECKSUM_LENGTH > len(text):
        raise Bech32Error("missing separator or checksum")
    hrp = text[:separator]
    lower = text.lower()
    # ASCII, as checked above.
    values = lower[separator + 1 :].encode("ascii").translate(_LETTER_GROUPS)
    if _NOT_A_LETTER in values:
        raise Bech32Error("invalid character in Bech32 data")
    if _polymod([*_hrp_expand(hrp.lower()), *values]) != 1:
        raise Bech32Error("invalid Bech32 checksum")
    return hrp, _from_groups(values[:-_CHECKSUM_LENGTH])


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
