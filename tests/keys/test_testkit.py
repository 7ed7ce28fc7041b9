"""The age testkit vectors vendored in testdata/testkit, each with its expected verdict."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

import keys
from keys.armor import ArmorReader
from tests.keys.vectors import TESTKIT, load

VERDICTS: dict[str, type[keys.AgeError] | None] = {
    "success": None,
    "armor failure": keys.ArmorError,
    "header failure": keys.HeaderError,
    "HMAC failure": keys.HeaderMACError,
    "no match": keys.NoIdentityMatchError,
    "payload failure": keys.PayloadError,
}


def identities_of(meta: dict[str, list[str]]) -> list[keys.Identity]:
    found: list[keys.Identity] = [keys.parse_identity(i) for i in meta.get("identity", [])]
    found += [keys.ScryptIdentity(p) for p in meta.get("passphrase", [])]
    return found


VECTORS = sorted(p for p in TESTKIT.iterdir() if p.name != "README.md")


def test_the_selection_is_present() -> None:
    assert len(VECTORS) >= 10


@pytest.mark.parametrize("path", VECTORS, ids=[p.name for p in VECTORS])
def test_vector(path: Path) -> None:
    meta, data = load(path)
    expected = VERDICTS[meta["expect"][0]]
    src: io.BufferedIOBase = io.BytesIO(data)
    if meta.get("armored") == ["yes"]:
        # The testkit says which files are armored, as a caller that asked for
        # armor would; auto-detection is tested on its own in test_armor.py.
        src = io.BufferedReader(ArmorReader(src))
    released = bytearray()
    if expected is None:
        with keys.decrypting(src, identities=identities_of(meta)) as reader:  # type: ignore[arg-type]
            released += reader.read()
        assert hashlib.sha256(released).hexdigest() == meta["payload"][0]
        return
    with (
        pytest.raises(keys.AgeError) as failure,
        keys.decrypting(src, identities=identities_of(meta)) as reader,  # type: ignore[arg-type]
    ):
        while part := reader.read(4096):
            released += part
    # The exact class: a header failure must not pass as an HMAC failure, say.
    assert failure.type is expected
    if "payload" in meta:
        assert hashlib.sha256(released).hexdigest() == meta["payload"][0]
