"""Encryption throughput on one core: Haven against raw ChaCha20-Poly1305 and the stock `age`.

Encrypts the same 512 MiB file to /dev/null three ways, best of three runs each:

- Haven, through keys.encrypt_stream, to an X25519 recipient;
- raw ChaCha20-Poly1305 from `cryptography` over 64 KiB chunks with one reused
  AEAD object: the honest floor for any age implementation on this library;
- the stock `age` tool (`age -r ... -o /dev/null FILE`), timed as a subprocess.

The targets are Haven >= 1.0x age and >= 0.8x raw. Run: python bench/encrypt_throughput.py

Rates are computed from CPU time (user + system, the child's for `age`): the
three are pinned to the same single core, where CPU time is the time the work
took, without the noise of whatever else shares the machine. Wall-clock rates
are printed alongside. Rounds are interleaved so drifts hit all three alike.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

import keys

MIB = 1 << 20
CHUNK = 64 * 1024
RUNS = 3


def test_file(size_mib: int) -> Path:
    """A file of `size_mib` MiB of incompressible bytes, created once and reused."""
    path = Path(tempfile.gettempdir()) / "haven-bench" / f"plain-{size_mib}M"
    if not path.exists() or path.stat().st_size != size_mib * MIB:
        path.parent.mkdir(exist_ok=True)
        block = os.urandom(MIB)
        with path.open("wb") as out:
            for _ in range(size_mib):
                out.write(block)
    return path


def haven(path: Path, recipient: keys.Recipient) -> None:
    with path.open("rb") as src, open(os.devnull, "wb") as dst:
        keys.encrypt_stream(src, dst, recipients=[recipient])


def raw_chacha(path: Path) -> None:
    aead = ChaCha20Poly1305(os.urandom(32))
    counter = 0
    with path.open("rb") as src, open(os.devnull, "wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(aead.encrypt(counter.to_bytes(11, "big") + b"\x00", chunk, None))
            counter += 1


def stock_age(path: Path, recipient: keys.Recipient, age: str) -> None:
    subprocess.run([age, "-r", str(recipient), "-o", os.devnull, str(path)], check=True)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(work: Callable[[], None]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    work()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    # One core for all three, children included (affinity is inherited by `age`,
    # and Go sizes its thread pool from it).
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    path = test_file(args.size_mib)
    recipient = keys.X25519Identity.generate().recipient()
    age = shutil.which("age")
    contenders: dict[str, Callable[[], None]] = {
        "haven": lambda: haven(path, recipient),
        "raw ChaCha20-Poly1305": lambda: raw_chacha(path),
    }
    if age is not None:
        contenders["age"] = lambda: stock_age(path, recipient, age)
    best = {name: (float("inf"), float("inf")) for name in contenders}
    for _ in range(args.runs):
        for name, work in contenders.items():
            wall, cpu = timed(work)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    rates = {name: args.size_mib / cpu for name, (_, cpu) in best.items()}
    print(f"{args.size_mib} MiB, one core, best of {args.runs}: MiB/s by CPU time (wall clock)")
    for name, (wall, cpu) in best.items():
        print(f"  {name:<24} {args.size_mib / cpu:8.1f}  ({args.size_mib / wall:.1f})")
    if "age" in rates:
        print(f"  haven / age              {rates['haven'] / rates['age']:8.2f}x  (target >= 1.0)")
    else:
        print("  age not found: install it (apt-get install age) for the comparison")
    raw = rates["raw ChaCha20-Poly1305"]
    print(f"  haven / raw              {rates['haven'] / raw:8.2f}x  (target >= 0.8)")


if __name__ == "__main__":
    main()
