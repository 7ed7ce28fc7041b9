"""`haven keys` loads only what keys needs: never the web stack, the database or the apps.

Its start-up time is measured by bench/keys_speed.py; this holds the boundary
that keeps it short, and that lets `haven keys` run on an offline machine with
only keys/'s dependencies.
"""

from __future__ import annotations

import json
import subprocess
import sys

import keys

# Top-level packages `haven keys encrypt` must not import, and why each matters.
FORBIDDEN = {
    "flask": "intake's and review's web stack",
    "werkzeug": "the web stack",
    "jinja2": "templates",
    "sqlalchemy": "the databases",
    "alembic": "migrations",
    "argon2": "receipt codes (intake)",
    "intake": "the intake app",
    "review": "the review app",
}

_PROBE = """
import json, sys
from haven.cli import main
try:
    main(["keys", "encrypt", "-r", sys.argv[1]], standalone_mode=False)
finally:
    sys.stdout.flush()
    loaded = sorted({name.split(".")[0] for name in sys.modules})
    sys.stderr.write("\\n" + json.dumps(loaded) + "\\n")
"""


def test_keys_encrypt_imports_nothing_of_intake_or_review() -> None:
    recipient = str(keys.X25519Identity(bytes(range(32))).recipient())
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, recipient],
        input=b"",
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert keys.decrypt(done.stdout, identities=[keys.X25519Identity(bytes(range(32)))]) == b""
    loaded = set(json.loads(done.stderr.decode().strip().splitlines()[-1]))
    assert "keys" in loaded
    imported = {name: why for name, why in FORBIDDEN.items() if name in loaded}
    assert not imported, f"haven keys encrypt imported {imported}"
