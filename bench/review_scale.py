"""Review-side scale: import, unlock and index 10,000 reports, then search them.

Generates synthetic reports in several scripts, encrypted to a fresh test key,
writes them as one pickup bundle (docs/pickup-bundle.md, version 2, signed with a
fresh intake key the workspace pins), imports it into a new
workspace, unlocks (decrypting every report and building the search and
identifier indexes) and runs searches. Prints import time per report as a ratio
of raw decryption time per report, and the median and 95th-percentile search
latency. Run: python bench/review_scale.py [--reports 10000] [--kind hybrid]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import secrets
import statistics
import tarfile
import tempfile
import time
from pathlib import Path

import keys
from keys.signing import PICKUP_NAMESPACE, SigningKey
from review.casefile.library import CaseLibrary
from review.pickup.importer import import_bundle
from review.pickup.provenance import pin
from review.workspace.store import Workspace

PHRASES = [
    "他们在巴黎的海外警察站威胁我的父母", "國安警察打電話到香港恐嚇我家人",
    "ئۇلار مېنىڭ ئائىلەمگە تەھدىت سالدى", "هددوا عائلتي في المدينة",
    "རྒྱ་ནག་གི་ཉེན་རྟོག་པས་ང་ལ་བརྙས་བཅོས་བྱས།", "Мне угрожали сотрудники консульства",
    "Konsolosluk çalışanları beni tehdit etti", "Des policiers chinois m'ont suivi à Paris",
    "A man followed me from the community centre to my flat",
]
STATES = ["China", "Russia", "Iran", "Turkey", "Rwanda", "Egypt"]
COUNTRIES = ["FR", "DE", "GB", "US", "CA", "NL"]
CATEGORIES = ["surveillance", "threats", "family_pressure", "hacking", "online_harassment"]
QUERIES = ["巴黎", "警察", "تەھدىت", "المدينة", "ཉེན་རྟོག", "консульства", "tehdit",
           "followed flat", "+33612345678", "policiers paris"]
SEARCH_ROUNDS = 30


def synthetic_report(rng: random.Random) -> bytes:
    """A report document with a few sentences and a phone number from a small pool."""
    narrative = "。 ".join(rng.sample(PHRASES, 3))
    phone = f"+33 6 12 34 {rng.randrange(100):02d} {rng.randrange(100):02d}"
    document = {
        "format": "haven-report", "version": 1,
        "questionnaire": {"version": "1.0.0", "sha256": "0" * 64},
        "received_day": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "language": "en", "urgent": rng.random() < 0.05,
        "answers": {"narrative": narrative, "identifiers": f"phone: {phone}",
                    "state": rng.choice(STATES), "country": rng.choice(COUNTRIES),
                    "categories": rng.sample(CATEGORIES, 2)},
        "attachments": [],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def write_bundle(path: Path, ciphertexts: list[bytes], signing_key: SigningKey) -> None:
    """One signed pickup bundle holding every report."""
    submissions = []
    members = []
    for ciphertext in ciphertexts:
        sid = secrets.token_hex(16)
        submissions.append({
            "id": sid, "received_day": "2025-06-01", "reply_recipient": None,
            "files": [{"name": "report.age", "kind": "report", "size": len(ciphertext),
                       "sha256": hashlib.sha256(ciphertext).hexdigest()}],
        })
        members.append((f"submissions/{sid}/report.age", ciphertext))
    manifest = json.dumps({"format": "haven-pickup", "version": 2,
                           "bundle_id": secrets.token_hex(16), "created_day": "2025-06-02",
                           "submissions": submissions}).encode()
    signature = signing_key.sign(manifest, namespace=PICKUP_NAMESPACE).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in [("manifest.json", manifest), ("manifest.json.sig", signature),
                           *members]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--kind", choices=["hybrid", "x25519"], default="hybrid")
    args = parser.parse_args()
    rng = random.Random(4)
    identity: keys.HybridIdentity | keys.X25519Identity = (
        keys.HybridIdentity.generate() if args.kind == "hybrid" else keys.X25519Identity.generate()
    )
    recipient = identity.recipient()
    plaintexts = [synthetic_report(rng) for _ in range(args.reports)]
    started = time.perf_counter()
    ciphertexts = [keys.encrypt(p, recipients=[recipient]) for p in plaintexts]
    print(f"encrypted {args.reports} {args.kind} reports in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    for ciphertext in ciphertexts:
        keys.decrypt(ciphertext, identities=[identity])
    decrypt_per_report = (time.perf_counter() - started) / args.reports

    with tempfile.TemporaryDirectory() as scratch:
        bundle = Path(scratch) / "bundle.tar"
        intake_key = SigningKey.generate()
        write_bundle(bundle, ciphertexts, intake_key)
        with Workspace.create(Path(scratch) / "workspace") as workspace:
            with workspace.transaction() as session:
                pin(session, intake_key.public_key())
            started = time.perf_counter()
            result = import_bundle(workspace, bundle, actor="bench")
            import_seconds = time.perf_counter() - started
            assert result.added == args.reports

            started = time.perf_counter()
            library = CaseLibrary.build(workspace, identities=[identity])
            unlock_seconds = time.perf_counter() - started
            assert len(library.reports) == args.reports

            latencies = []
            for _ in range(SEARCH_ROUNDS):
                for query in QUERIES:
                    started = time.perf_counter()
                    library.search.search(query)
                    latencies.append(time.perf_counter() - started)

    import_per_report = import_seconds / args.reports
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"raw decryption:   {decrypt_per_report * 1e6:8.1f} µs per report")
    print(f"import:           {import_per_report * 1e6:8.1f} µs per report "
          f"({import_seconds:.1f} s total), ratio to raw decryption "
          f"{import_per_report / decrypt_per_report:.2f}")
    print(f"unlock + index:   {unlock_seconds:.1f} s "
          f"({unlock_seconds / args.reports * 1e6:.1f} µs per report)")
    print(f"search latency:   median {statistics.median(latencies) * 1e3:.2f} ms, "
          f"p95 {p95 * 1e3:.2f} ms over {len(latencies)} searches")


if __name__ == "__main__":
    main()
