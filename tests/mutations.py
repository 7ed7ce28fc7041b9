"""A Hypothesis strategy of hostile variants of a valid input: what a fuzzer does by hand.

Each variant applies a few edits to the valid bytes: flip bits of a byte, set a
byte to an interesting value, delete, duplicate or insert a run, or cut the
input short. Edits land anywhere, so every parser state of a valid file is
reached with something slightly wrong in it.
"""

from __future__ import annotations

from hypothesis import strategies as st

# Bytes that sit at the edges of what parsers check: NUL, LF, CR, space, '-',
# '=', '>', 0x7f, 0x80 and 0xff.
INTERESTING = b"\x00\n\r -=>\x7f\x80\xff"


@st.composite
def _edit(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return draw(st.binary(max_size=64))
    at = draw(st.integers(min_value=0, max_value=len(data) - 1))
    kind = draw(st.sampled_from(["flip", "set", "delete", "duplicate", "insert", "cut"]))
    if kind == "flip":
        bit = 1 << draw(st.integers(min_value=0, max_value=7))
        return data[:at] + bytes([data[at] ^ bit]) + data[at + 1 :]
    if kind == "set":
        value = draw(st.sampled_from(INTERESTING))
        return data[:at] + bytes([value]) + data[at + 1 :]
    length = draw(st.integers(min_value=1, max_value=max(1, min(256, len(data) - at))))
    if kind == "delete":
        return data[:at] + data[at + length :]
    if kind == "duplicate":
        return data[: at + length] + data[at : at + length] + data[at + length :]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    return data[:at]


@st.composite
def mutated(draw: st.DrawFn, data: bytes, *, max_edits: int = 3) -> bytes:
    """`data` after one to `max_edits` edits."""
    for _ in range(draw(st.integers(min_value=1, max_value=max_edits))):
        data = draw(_edit(data))
    return data
