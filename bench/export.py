"""Evidence export time against `cp` of the same originals, side by side in one run.

Builds a workspace with one case of 20 attachments of 25 MiB (random bytes, so
nothing compresses and no image copy is made), exports it as a directory
package with `export_cases` (decrypt, hash against the receipt hashes, bagit's
manifests, summary HTML and PDF, signature, bagit's validation) and then copies
the same plaintext originals with `cp`. Prints both times and their ratio.

    python bench/export.py [--small] [--attachments 20] [--mib 25] [--kind x25519|hybrid]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import secrets
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import keys
from keys.signing import PICKUP_NAMESPACE, SigningKey
from review.casefile.library import CaseLibrary
from review.export.package import ExportRequest, export_cases
from review.pickup.importer import import_bundle
from review.pickup.provenance import pin
from review.session.signing_keys import unlock_signing_key
from review.workspace.models import Reviewer
from review.workspace.store import Workspace

MIB = 1024 * 1024


def _bundle(path: Path, identity: keys.Identity, recipient: keys.Recipient, originals: Path,
            count: int, size: int, intake_key: SigningKey) -> str:
    case_id = secrets.token_hex(16)
    described, members = [], []
    for number in range(1, count + 1):
        data = secrets.token_bytes(size)
        (originals / f"attachment-{number:03d}").write_bytes(data)
        name = f"attachment-{number:03d}.age"
        described.append({"file": name, "original_name": f"video-{number}.mp4",
                          "content_type": "video/mp4", "size": size,
                          "sha256": hashlib.sha256(data).hexdigest()})
        members.append((name, "attachment", keys.encrypt(data, recipients=[recipient])))
    document = {"format": "haven-report", "version": 1,
                "questionnaire": {"version": "1.0.0", "sha256": "0" * 64},
                "received_day": "2026-11-30", "language": "en", "urgent": False,
                "answers": {"narrative": "They followed me.", "consent": ["lawyers"]},
                "attachments": described}
    report = keys.encrypt(json.dumps(document).encode(), recipients=[recipient])
    files = [("report.age", "report", report), *members]
    manifest = json.dumps({
        "format": "haven-pickup", "version": 3, "bundle_id": secrets.token_hex(16),
        "created_day": "2026-11-30",
        "submissions": [{"id": case_id, "received_day": "2026-11-30", "reply_recipient": None,
                         "follows": None,
                         "files": [{"name": n, "kind": k, "size": len(d),
                                    "sha256": hashlib.sha256(d).hexdigest()}
                                   for n, k, d in files]}]}).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        entries = [("manifest.json", manifest),
                   ("manifest.json.sig",
                    intake_key.sign(manifest, namespace=PICKUP_NAMESPACE).encode()),
                   *((f"submissions/{case_id}/{n}", d) for n, _k, d in files)]
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
    return case_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="20 attachments of 1 MiB")
    parser.add_argument("--attachments", type=int, default=20)
    parser.add_argument("--mib", type=int, default=25, help="size of each attachment")
    parser.add_argument("--kind", choices=("x25519", "hybrid"), default="x25519")
    args = parser.parse_args()
    size = (1 if args.small else args.mib) * MIB
    with tempfile.TemporaryDirectory(prefix="haven-bench-export-") as scratch:
        root = Path(scratch)
        identity: keys.Identity = (keys.HybridIdentity.generate() if args.kind == "hybrid"
                                   else keys.X25519Identity.generate())
        recipient = identity.recipient()  # type: ignore[attr-defined]
        intake_key = SigningKey.generate()
        originals = root / "originals"
        originals.mkdir()
        case_id = _bundle(root / "bundle.tar", identity, recipient, originals,
                          args.attachments, size, intake_key)
        workspace = Workspace.create(root / "workspace")
        with workspace.transaction() as session:
            session.add(Reviewer(name="bench", recipient=str(recipient)))
            pin(session, intake_key.public_key())
        import_bundle(workspace, root / "bundle.tar", actor="bench")
        (root / "bundle.tar").unlink()
        library = CaseLibrary.build(workspace, identities=[identity])
        key = unlock_signing_key(workspace, reviewer="bench", identity=identity)
        request = ExportRequest((case_id,), "bench counsel", "lawyers", "benchmark")
        started = time.perf_counter()
        done = export_cases(workspace, library, request, out=root / "package",
                            reviewer="bench", identities=[identity], signing_key=key)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run(["cp", "-r", str(originals), str(root / "copied")], check=True)
        subprocess.run(["sync"], check=True)
        copied = time.perf_counter() - started
        workspace.dispose()
    total = args.attachments * size
    print(f"case of {args.attachments} attachments x {size // MIB} MiB ({total / MIB:.0f} MiB),"
          f" {args.kind} key")
    print(f"export   {exported:8.2f} s  ({total / MIB / exported:7.1f} MiB/s)  "
          f"package {done.size / MIB:.1f} MiB")
    print(f"cp       {copied:8.2f} s  ({total / MIB / copied:7.1f} MiB/s)")
    print(f"ratio    {exported / copied:8.1f} x cp")


if __name__ == "__main__":
    main()
