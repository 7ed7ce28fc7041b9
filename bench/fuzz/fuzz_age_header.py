"""Coverage-guided fuzzing of the age header parser, through keys' public API.

Every input is handed to keys.decrypt (binary or armored, recognised by
itself) with a classic and a post-quantum identity, which parses the version
line, the stanzas, their base64 bodies and the MAC line, unwraps file keys,
checks the MAC and then reads the payload. The only failures allowed are
KeysError subclasses; anything else (an IndexError, a ValueError, a
RecursionError from deep inside a parser) is a finding. Seeds are valid files
of several sizes, both key kinds, binary and armored.

    python bench/fuzz/fuzz_age_header.py [--seconds N | --runs N]   (see harness.py)
"""

from __future__ import annotations

import contextlib

import atheris
import harness

with atheris.instrument_imports(include=["keys"]):
    import keys

CLASSIC = keys.X25519Identity(bytes(range(32)))
HYBRID = keys.HybridIdentity(bytes(range(1, 33)))
IDENTITIES: list[keys.Identity] = [CLASSIC, HYBRID]


def target(data: bytes) -> None:
    with contextlib.suppress(keys.KeysError):
        keys.decrypt(data, identities=IDENTITIES)


def seeds() -> list[bytes]:
    found = []
    for size in (0, 1, 200, 65536 + 10):
        plaintext = bytes(index % 251 for index in range(size))
        for identity in IDENTITIES:
            for armor in (False, True):
                found.append(
                    keys.encrypt(plaintext, recipients=[identity.recipient()], armor=armor)
                )
    return found


if __name__ == "__main__":
    harness.run("age_header", target, seeds)
