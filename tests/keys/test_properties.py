"""Property-based round trips: any plaintext, any way of slicing the writes and reads."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keys
from keys import bech32
from tests.keys.streams import decrypt_in_pieces

IDENTITY = keys.X25519Identity(bytes(range(32)))
HYBRID = keys.HybridIdentity(bytes(range(32)))
# Modest counts: each example is a full encryption; the boundaries have their own tests.
MODEST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

plaintexts = st.one_of(
    st.binary(max_size=300),
    st.integers(min_value=65530, max_value=65540 * 2).map(lambda n: bytes([n % 251]) * n),
)


@MODEST
@given(
    plaintext=plaintexts,
    write_sizes=st.lists(st.integers(min_value=1, max_value=70001), min_size=1, max_size=8),
    read_size=st.integers(min_value=1, max_value=70001),
    armor=st.booleans(),
)
def test_round_trip_any_slicing(
    plaintext: bytes, write_sizes: list[int], read_size: int, armor: bool
) -> None:
    out = io.BytesIO()
    with keys.encrypting(out, recipients=[IDENTITY.recipient()], armor=armor) as writer:
        position, turn = 0, 0
        while position < len(plaintext):
            size = write_sizes[turn % len(write_sizes)]
            writer.write(plaintext[position : position + size])
            position, turn = position + size, turn + 1
    got = decrypt_in_pieces(out.getvalue(), identities=[IDENTITY], read_size=read_size)
    assert got == plaintext


@settings(max_examples=10, deadline=None)
@given(plaintext=st.binary(max_size=2000))
def test_hybrid_round_trip(plaintext: bytes) -> None:
    ciphertext = keys.encrypt(plaintext, recipients=[HYBRID.recipient()])
    assert keys.decrypt(ciphertext, identities=[HYBRID]) == plaintext


@MODEST
@given(plaintext=st.binary(min_size=1, max_size=200), position=st.integers(min_value=0))
def test_any_flipped_bit_is_refused(plaintext: bytes, position: int) -> None:
    ciphertext = bytearray(keys.encrypt(plaintext, recipients=[IDENTITY.recipient()]))
    position %= len(ciphertext) * 8
    ciphertext[position // 8] ^= 1 << (position % 8)
    try:
        keys.decrypt(bytes(ciphertext), identities=[IDENTITY])
    except keys.AgeError:
        return
    raise AssertionError(f"a flipped bit at {position} went unnoticed")


@MODEST
@given(data=st.binary(max_size=1300), upper=st.booleans())
def test_bech32_round_trip(data: bytes, upper: bool) -> None:
    hrp = "AGE-SECRET-KEY-" if upper else "age"
    text = bech32.encode(hrp, data)
    assert text == (text.upper() if upper else text.lower())
    assert bech32.decode(text) == (hrp, data)
