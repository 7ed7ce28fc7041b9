"""Strict ASCII armor: one armored form per file, LF or CRLF, whitespace only around it."""

from __future__ import annotations

import io

import pytest

import keys
from keys.armor import ArmorReader, ArmorWriter
from tests.keys import craft

IDENTITY = keys.X25519Identity(bytes(range(32)))
PLAINTEXT = bytes(range(256)) * 3


def armored() -> bytes:
    return keys.encrypt(PLAINTEXT, recipients=[IDENTITY.recipient()], armor=True)


def lines() -> list[bytes]:
    return armored().split(b"\n")[:-1]


def join(parts: list[bytes]) -> bytes:
    return b"\n".join(parts) + b"\n"


def decrypt(data: bytes) -> bytes:
    return keys.decrypt(data, identities=[IDENTITY])


def assert_armor_error(data: bytes) -> None:
    with pytest.raises(keys.AgeError) as failure:
        decrypt(data)
    assert failure.type is keys.ArmorError, failure.value


def test_writer_output_is_64_columns_with_a_short_last_line() -> None:
    body = lines()[1:-1]
    assert all(len(line) == 64 for line in body[:-1])
    assert 0 < len(body[-1]) <= 64
    assert decrypt(armored()) == PLAINTEXT


@pytest.mark.parametrize("size", [0, 1, 47, 48, 49, 1000])
def test_the_writer_agrees_with_the_hand_built_armor(size: int) -> None:
    data = (PLAINTEXT * 2)[:size]
    out = io.BytesIO()
    writer = ArmorWriter(out)
    writer.write(data)
    writer.close()
    assert out.getvalue() == craft.armor(data)


def test_crlf_line_endings_are_accepted() -> None:
    assert decrypt(armored().replace(b"\n", b"\r\n")) == PLAINTEXT


def test_whitespace_around_the_block_is_accepted() -> None:
    assert decrypt(b"\n \t\r\n" + armored() + b"\n\t \n") == PLAINTEXT


def test_empty_line_after_begin() -> None:
    parts = lines()
    assert_armor_error(join([parts[0], b"", *parts[1:]]))


def test_empty_line_before_end() -> None:
    parts = lines()
    assert_armor_error(join([*parts[:-1], b"", parts[-1]]))


def test_long_line() -> None:
    parts = lines()
    assert_armor_error(join([parts[0], parts[1] + parts[2][:4], parts[2][4:], *parts[3:]]))


def test_short_line_not_followed_by_end() -> None:
    parts = lines()
    assert_armor_error(join([parts[0], parts[1][:60], parts[1][60:] + parts[2][:60], *parts[2:]]))


def test_headers_inside_the_block() -> None:
    parts = lines()
    assert_armor_error(join([parts[0], b"Version: 1", *parts[1:]]))


def test_missing_end_line() -> None:
    assert_armor_error(join(lines()[:-1]))


def test_garbage_after_the_block() -> None:
    assert_armor_error(armored() + b"garbage\n")


def test_garbage_before_the_block_is_not_an_armored_file() -> None:
    # Auto-detection sees no BEGIN line, so this is not an age file at all...
    with pytest.raises(keys.AgeError) as failure:
        decrypt(b"garbage\n" + armored())
    assert failure.type is keys.HeaderError
    # ...and a caller that asked for armor gets an armor failure.
    with pytest.raises(keys.ArmorError):
        ArmorReader(io.BytesIO(b"garbage\n" + armored())).read()


def test_non_canonical_base64() -> None:
    parts = lines()
    last = parts[-2]
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    data_end = last.rstrip(b"=")
    assert len(data_end) < len(last), "the last line must carry padding for this test"
    bumped = (
        data_end[:-1] + alphabet[alphabet.index(data_end[-1]) + 1 :][:1] + last[len(data_end) :]
    )
    assert_armor_error(join([*parts[:-2], bumped, parts[-1]]))


def test_missing_padding() -> None:
    parts = lines()
    assert_armor_error(join([*parts[:-2], parts[-2].rstrip(b"="), parts[-1]]))


def test_trailing_space_on_a_line() -> None:
    parts = lines()
    assert_armor_error(join([parts[0], parts[1] + b" ", *parts[2:]]))


def test_invalid_character() -> None:
    parts = lines()
    assert_armor_error(join([parts[0], b"*" + parts[1][1:], *parts[2:]]))
