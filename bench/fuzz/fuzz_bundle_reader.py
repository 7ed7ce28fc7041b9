"""Coverage-guided fuzzing of review's bundle reader: ustar parsing, signature, manifest, members.

Every input is written to a file and staged as a pickup bundle
(review.pickup.reader.stage_bundle) against a pinned key the seeds are signed
with, so edits past the signed manifest reach the member checks too. The only
failure allowed is a ReviewError, and a refused bundle must leave its staging
directory empty; anything else is a finding. Seeds are honest bundles of one
to three submissions, with and without attachments, as docs/pickup-bundle.md
describes them (written here, independently of intake's writer).

    python bench/fuzz/fuzz_bundle_reader.py [--seconds N | --runs N]   (see harness.py)
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path

import atheris
import harness
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

with atheris.instrument_imports(include=["review.pickup", "contracts", "keys.signing"]):
    import keys
    from keys.signing import PICKUP_NAMESPACE, SigningKey
    from review.errors import ReviewError
    from review.pickup.reader import stage_bundle

# A fixed key, so that a corpus grown in one run still verifies in the next.
SIGNER = SigningKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
TRUSTED = [SIGNER.public_key()]
READER = keys.X25519Identity(bytes(range(32)))
WORKDIR = Path(tempfile.mkdtemp(prefix="haven-fuzz-bundle-"))
BUNDLE = WORKDIR / "bundle.tar"
STAGING = WORKDIR / "staging"
STAGING.mkdir()


def target(data: bytes) -> None:
    BUNDLE.write_bytes(data)
    try:
        staged = stage_bundle(
            BUNDLE, staging_root=STAGING, trusted=TRUSTED, free=lambda _path: 1 << 40
        )
    except ReviewError:
        leftovers = list(STAGING.iterdir())
        if leftovers:
            raise AssertionError(f"a refused bundle left {leftovers} in staging") from None
        return
    staged.discard()


def _bundle(submissions: list[list[tuple[str, str, bytes]]], number: int) -> bytes:
    entries, members = [], []
    for index, files in enumerate(submissions):
        submission_id = f"{number:02x}{index:02x}".ljust(32, "0")
        entries.append(
            {
                "id": submission_id,
                "received_day": "2025-03-14",
                "reply_recipient": None,
                "follows": None,
                "files": [
                    {
                        "name": name,
                        "kind": kind,
                        "size": len(content),
                        "sha256": hashlib.sha256(content).hexdigest(),
                    }
                    for name, kind, content in files
                ],
            }
        )
        members += [(f"submissions/{submission_id}/{name}", content) for name, _, content in files]
    manifest = json.dumps(
        {
            "format": "haven-pickup",
            "version": 3,
            "bundle_id": f"{number:032x}",
            "created_day": "2025-03-15",
            "submissions": entries,
        }
    ).encode()
    signature = SIGNER.sign(manifest, namespace=PICKUP_NAMESPACE).encode("ascii")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in [
            ("manifest.json", manifest),
            ("manifest.json.sig", signature),
            *members,
        ]:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o600
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def seeds() -> list[bytes]:
    recipients = [READER.recipient()]

    def report(text: str) -> tuple[str, str, bytes]:
        return ("report.age", "report", keys.encrypt(text.encode(), recipients=recipients))

    attachment = (
        "attachment-001.age",
        "attachment",
        keys.encrypt(b"\xff\xd8\xff" * 50, recipients=recipients),
    )
    return [
        _bundle([[report("one")]], 1),
        _bundle([[report("two"), attachment]], 2),
        _bundle([[report("a")], [report("b"), attachment], [report("c")]], 3),
    ]


if __name__ == "__main__":
    harness.run("bundle_reader", target, seeds)
