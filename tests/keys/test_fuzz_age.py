"""Fuzzing the age parser through the public API: hostile input only ever raises KeysError.

Arbitrary bytes, and valid files (binary and armored, classic and post-quantum,
empty to multi-chunk) with a few edits, go through every entry point that
parses an age file or a key. None may raise anything but a KeysError
subclass, and a file that still decrypts must give back exactly its original
plaintext: authentication means no edit can change what comes out.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

import keys
from tests.fuzzing import fuzz
from tests.mutations import mutated

CLASSIC = keys.X25519Identity(bytes(range(32)))
HYBRID = keys.HybridIdentity(bytes(range(1, 33)))
IDENTITIES: list[keys.Identity] = [CLASSIC, HYBRID]
# Sizes around the STREAM chunk edges; larger ones would only repeat the middle.
SIZES = [0, 1, 100, 65536, 65537]


def _plaintext(size: int) -> bytes:
    return bytes(index % 251 for index in range(size))


VALID = [
    (size, keys.encrypt(_plaintext(size), recipients=[identity.recipient()], armor=armor))
    for size in SIZES
    for identity in (CLASSIC, HYBRID)
    for armor in (False, True)
]


def _decrypt_whole(data: bytes) -> bytes | None:
    try:
        return keys.decrypt(data, identities=IDENTITIES)
    except keys.KeysError:
        return None


def _decrypt_streaming(data: bytes, read_size: int) -> bytes | None:
    try:
        with keys.decrypting(io.BytesIO(data), identities=IDENTITIES) as reader:
            parts = []
            while block := reader.read(read_size):
                parts.append(block)
            return b"".join(parts)
    except keys.KeysError:
        return None


def _decrypt_to_stream(data: bytes) -> bytes | None:
    out = io.BytesIO()
    try:
        keys.decrypt_stream(io.BytesIO(data), out, identities=IDENTITIES)
    except keys.KeysError:
        return None
    return out.getvalue()


@fuzz()
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_raise_only_keys_errors(data: bytes) -> None:
    assert _decrypt_whole(data) is None
    assert _decrypt_to_stream(data) is None
    keys.is_age_file(data)
    with contextlib.suppress(keys.KeysError):
        keys.read_scrypt_parameters(data)


@fuzz()
@given(
    header=st.lists(
        st.one_of(
            st.just(b"age-encryption.org/v1"),
            st.builds(lambda t, a: b"-> " + t + b" " + a, st.binary(max_size=12),
                      st.binary(max_size=50)),
            st.binary(max_size=70),
            st.just(b"--- " + b"A" * 43),
        ),
        max_size=8,
    ),
    tail=st.binary(max_size=64),
)
def test_header_shaped_input_raises_only_keys_errors(header: list[bytes], tail: bytes) -> None:
    data = b"\n".join(header) + b"\n" + tail
    assert _decrypt_whole(data) is None


@fuzz(cost=2)
@given(case=st.sampled_from(VALID).flatmap(
    lambda case: st.tuples(st.just(case[0]), mutated(case[1]))),
    read_size=st.integers(min_value=1, max_value=70000))
def test_edited_files_fail_cleanly_or_decrypt_to_the_original(
    case: tuple[int, bytes], read_size: int
) -> None:
    size, data = case
    original = _plaintext(size)
    for result in (_decrypt_whole(data), _decrypt_to_stream(data)):
        assert result in (None, original)
    streamed = _decrypt_streaming(data, read_size)
    assert streamed in (None, original)


@pytest.mark.parametrize(("size", "data"), VALID)
def test_the_valid_files_decrypt(size: int, data: bytes) -> None:
    # Without this the edits above could be of files that never decrypted at all.
    assert keys.decrypt(data, identities=IDENTITIES) == _plaintext(size)


@fuzz()
@given(text=st.one_of(
    st.text(max_size=200),
    st.sampled_from([str(CLASSIC), str(HYBRID), str(CLASSIC.recipient()),
                     str(HYBRID.recipient())]).flatmap(
        lambda valid: mutated(valid.encode()).map(lambda b: b.decode("utf-8", "replace"))),
))
def test_key_strings_parse_or_raise_keys_errors(text: str) -> None:
    for parse in (keys.parse_recipient, keys.parse_identity):
        try:
            parsed = parse(text)
        except keys.KeysError:
            continue
        # Whatever parses prints back as a string that parses to the same key.
        assert str(parse(str(parsed))) == str(parsed)
    with contextlib.suppress(keys.KeysError):
        keys.parse_identities(text, source="fuzz")


@fuzz(cost=3)
@given(plaintext=st.binary(max_size=3000), armor=st.booleans(),
       identity=st.sampled_from(IDENTITIES))
def test_round_trip_through_every_decrypt_entry_point(
    plaintext: bytes, armor: bool, identity: keys.Identity
) -> None:
    data = keys.encrypt(plaintext, recipients=[identity.recipient()], armor=armor)
    assert keys.decrypt(data, identities=[identity]) == plaintext
    assert _decrypt_to_stream(data) == plaintext
    assert _decrypt_streaming(data, 7) == plaintext
