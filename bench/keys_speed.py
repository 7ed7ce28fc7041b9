"""`haven keys` against the stock `age`: decryption CPU time, and start-up time.

Prints, from one run on the same machine, side by side:

- decryption: CPU time (user + system of the child, from resource.getrusage)
  of `haven keys decrypt -o /dev/null FILE` and of `age -d -o /dev/null FILE`
  on the same age file (1 GiB of plaintext by default; --size-mib, or --small
  for 64 MiB), each pinned to one core, best of --runs, and the ratio
  age/haven (target: >= 1.0, haven as fast as age or faster);
- start-up: wall time of `haven keys encrypt -r RECIPIENT` of an empty input,
  of `python -c pass` (the floor any Python command pays) and of `age -r`,
  best of --startups (target: haven under 60 ms).

Rounds alternate between the tools, so drifts in the machine's load hit both
alike. The children run with bytecode caching allowed and after a warm-up
round, as an installed package runs (pip byte-compiles at install): with
PYTHONDONTWRITEBYTECODE set, every start would compile Haven's sources anew
and the figure would measure the compiler. Run: python bench/keys_speed.py [--small]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

MIB = 1 << 20
STARTUP_TARGET_MS = 60.0


def _haven() -> list[str]:
    found = shutil.which("haven")
    if found is None:
        raise SystemExit("`haven` is not on PATH: install the package first")
    return [found]


def _age() -> str:
    found = shutil.which("age")
    if found is None:
        raise SystemExit("the stock `age` is not on PATH")
    return found


def _pinned(argv: Sequence[str]) -> list[str]:
    # One core for both tools: age's Go runtime would otherwise spread its GC
    # over every core and the comparison would not be one of work done.
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(min(os.sched_getaffinity(0))), *argv] if taskset else list(argv)


_CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _child_cpu(argv: Sequence[str]) -> float:
    """CPU seconds (user + system) the command used, children included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=_CHILD_ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _wall(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=_CHILD_ENV
    )
    return time.perf_counter() - start


def _make_files(workdir: Path, size_mib: int) -> tuple[Path, Path, str]:
    """An identity, its recipient, and an age file of `size_mib` MiB encrypted by stock age."""
    identity = workdir / "identity.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()
    ciphertext = workdir / "payload.age"
    block = os.urandom(MIB)
    with subprocess.Popen(
        [_age(), "-r", recipient, "-o", str(ciphertext)], stdin=subprocess.PIPE
    ) as encryptor:
        assert encryptor.stdin is not None
        for _ in range(size_mib):
            encryptor.stdin.write(block)
        encryptor.stdin.close()
    if encryptor.returncode != 0:
        raise SystemExit("age failed to encrypt the test file")
    return identity, ciphertext, recipient


def bench_decrypt(identity: Path, ciphertext: Path, *, runs: int) -> tuple[float, float]:
    haven_argv = _pinned(
        [*_haven(), "keys", "decrypt", "-i", str(identity), "-o", os.devnull, str(ciphertext)]
    )
    age_argv = _pinned([_age(), "-d", "-i", str(identity), "-o", os.devnull, str(ciphertext)])
    haven_best = age_best = float("inf")
    for _ in range(runs):
        haven_best = min(haven_best, _child_cpu(haven_argv))
        age_best = min(age_best, _child_cpu(age_argv))
    return haven_best, age_best


def bench_startup(recipient: str, *, runs: int) -> tuple[float, float, float]:
    haven_argv = [*_haven(), "keys", "encrypt", "-r", recipient]
    python_argv = [sys.executable, "-c", "pass"]
    age_argv = [_age(), "-r", recipient]
    for argv in (haven_argv, python_argv, age_argv):
        _wall(argv)  # warm-up: caches bytecode and the page cache
    best = [float("inf")] * 3
    for _ in range(runs):
        for index, argv in enumerate((haven_argv, python_argv, age_argv)):
            best[index] = min(best[index], _wall(argv))
    return best[0], best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="plaintext size (1024)")
    parser.add_argument("--small", action="store_true", help="64 MiB, for a quick look")
    parser.add_argument("--runs", type=int, default=3, help="decryption rounds (best of)")
    parser.add_argument("--startups", type=int, default=20, help="start-up rounds (best of)")
    args = parser.parse_args()
    size = 64 if args.small else args.size_mib
    with tempfile.TemporaryDirectory(prefix="haven-keys-bench-") as tmp:
        identity, ciphertext, recipient = _make_files(Path(tmp), size)
        haven_cpu, age_cpu = bench_decrypt(identity, ciphertext, runs=args.runs)
        print(f"decrypt {size} MiB, CPU seconds on one core (best of {args.runs}):")
        print(f"  haven keys decrypt  {haven_cpu:7.3f} s  {size / haven_cpu:7.0f} MiB/s")
        print(f"  age -d              {age_cpu:7.3f} s  {size / age_cpu:7.0f} MiB/s")
        print(f"  speed haven/age     {age_cpu / haven_cpu:7.2f}x   (target >= 1.00x)")
        haven_ms, python_ms, age_ms = (
            1000 * t for t in bench_startup(recipient, runs=args.startups)
        )
        print(f"start-up, encrypt of an empty input, wall ms (best of {args.startups}):")
        print(f"  haven keys encrypt  {haven_ms:7.1f} ms  (target < {STARTUP_TARGET_MS:.0f} ms)")
        print(
            f"  python -c pass      {python_ms:7.1f} ms  haven/python {haven_ms / python_ms:.2f}x"
        )
        print(f"  age -r              {age_ms:7.1f} ms  haven/age    {haven_ms / age_ms:.2f}x")


if __name__ == "__main__":
    main()
