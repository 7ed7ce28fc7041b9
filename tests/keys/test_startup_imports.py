"""`haven keys` loads only what keys needs: never the web stack, the database or the apps.

Its start-up time is measured by bench/keys_speed.py; this holds the boundary
that keeps it short, and that lets `haven keys` run on an offline machine with
only keys/'s dependencies. The probe runs the console script's own entry
point (haven/entry.py), as `haven keys encrypt -r age1...` does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

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
    # What keys/quick_cli.py and the lazy imports in keys/ exist to leave out:
    "click": "the option parser of every other command (keys/quick_cli.py parses this one)",
    "pkg_resources": "package metadata, a scan of site-packages",
    "dataclasses": "loads inspect; keys' header values are NamedTuples",
    "_hashlib": "a second OpenSSL; keys/ takes HMAC from cryptography",
}
# Modules of keys/ and cryptography a classic recipient's encryption does without.
FORBIDDEN_MODULES = {
    "keys.hybrid": "the post-quantum recipient type, loaded for an age1pq1 recipient only",
    "cryptography.hazmat.primitives.asymmetric.mlkem": "ML-KEM, for age1pq1 recipients only",
    "cryptography.hazmat.primitives.hpke": "HPKE, for age1pq1 recipients only",
    "keys.scrypt": "passphrases",
    "keys.files": "identity and recipients files",
    "keys.passphrase": "the terminal prompt",
    "keys.cli": "the click commands",
    "importlib.metadata": "package metadata",
}

_PROBE = """
import json, sys
from haven.entry import main
try:
    status = main(["keys", "encrypt", "-r", sys.argv[1]])
finally:
    sys.stdout.flush()
    sys.stderr.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(status)
"""
ROOT = Path(__file__).resolve().parents[2]


def _encrypt_empty_input(recipient: str) -> tuple[bytes, set[str]]:
    """The age file `haven keys encrypt -r RECIPIENT` wrote, and every module it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, recipient],
        input=b"",
        capture_output=True,
        check=True,
        timeout=60,
    )
    loaded = set(json.loads(done.stderr.decode().strip().splitlines()[-1]))
    assert "keys" in loaded
    return done.stdout, loaded


def test_the_probe_runs_what_the_console_script_runs() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        scripts = tomllib.load(handle)["project"]["scripts"]
    assert scripts["haven"] == "haven.entry:main"


def test_keys_encrypt_imports_nothing_it_does_not_use() -> None:
    identity = keys.X25519Identity(bytes(range(32)))
    written, loaded = _encrypt_empty_input(str(identity.recipient()))
    assert keys.decrypt(written, identities=[identity]) == b""
    top_level = {name.split(".")[0] for name in loaded}
    imported = {name: why for name, why in FORBIDDEN.items() if name in top_level}
    assert not imported, f"haven keys encrypt imported {imported}"
    imported = {name: why for name, why in FORBIDDEN_MODULES.items() if name in loaded}
    assert not imported, f"haven keys encrypt to a classic recipient imported {imported}"


def test_a_post_quantum_recipient_loads_the_hybrid_code_still_without_click(
    hybrid_identity: keys.HybridIdentity,
) -> None:
    written, loaded = _encrypt_empty_input(str(hybrid_identity.recipient()))
    assert keys.decrypt(written, identities=[hybrid_identity]) == b""
    assert "keys.hybrid" in loaded
    assert "click" not in {name.split(".")[0] for name in loaded}
