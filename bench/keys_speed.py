"""`haven keys` against the stock `age`: decryption CPU time, and start-up time.

Prints, from one run on the same machine, side by side:

- decryption: CPU time (user + system of the child, from resource.getrusage)
  of `haven keys decrypt -o /dev/null FILE` and of `age -d -o /dev/null FILE`
  on the same age file (1 GiB of plaintext by default; --size-mib, or --small
  for 64 MiB), each pinned to one core, best of --runs, and the ratio
  age/haven (target: >= 1.0, haven as fast as age or faster);
- start-up: wall time of `haven keys encrypt -r RECIPIENT` of an empty input,
  of `python -c pass` (the floor any Python command pays), of a Python that
  only imports what an X25519 encryption needs from cryptography and makes
  one key (the floor any Python age tool on cryptography pays) and of
  `age -r`, best and median of --startups, wall and CPU time (target: haven
  under 60 ms wall, best; CPU time says how much of a loaded machine's wall
  time was waiting for a core).
  Both Pythons are the interpreter of the `haven` script measured, and the
  report says how that Haven is installed: an editable install adds an import
  finder that a wheel install does not have.

Rounds alternate between the tools, so drifts in the machine's load hit both
alike. The children run with bytecode caching allowed and after a warm-up
round, as an installed package runs (pip byte-compiles at install): with
PYTHONDONTWRITEBYTECODE set, every start would compile Haven's sources anew
and the figure would measure the compiler. Run: python bench/keys_speed.py [--small]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
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


def _interpreter(script: str) -> str:
    """The Python a console script runs on, from its #! line."""
    with open(script, "rb") as handle:
        first = handle.readline().decode().strip()
    return first[2:].split()[0] if first.startswith("#!") else sys.executable


# Run by the measured Haven's own Python: how that Haven was installed.
_INSTALL_PROBE = """
import json, importlib.metadata as metadata
import keys
dist = metadata.distribution("haven")
url = json.loads(dist.read_text("direct_url.json") or "{}")
editable = url.get("dir_info", {}).get("editable", False)
print(json.dumps({"editable": editable, "keys": keys.__file__}))
"""


def describe_install(python: str) -> str:
    found = subprocess.run(
        [python, "-c", _INSTALL_PROBE],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),  # not the source tree, which would shadow the install
    )
    probe = json.loads(found.stdout)
    kind = "editable install" if probe["editable"] else "regular (wheel) install"
    return f"{kind}, keys/ from {Path(probe['keys']).parent}"


# What any Python age encryption on cryptography loads and does before its first byte.
_CRYPTOGRAPHY_FLOOR = (
    "from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey\n"
    "from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305\n"
    "from cryptography.hazmat.primitives.kdf.hkdf import HKDF\n"
    "from cryptography.hazmat.primitives import hashes, hmac\n"
    "X25519PrivateKey.generate()\n"
)


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


def _wall(argv: Sequence[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=_CHILD_ENV
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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


def bench_startup(recipient: str, *, runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds of each start-up, every round, by name."""
    haven = _haven()
    python = _interpreter(haven[0])
    argvs = {
        "haven": [*haven, "keys", "encrypt", "-r", recipient],
        "python": [python, "-c", "pass"],
        "cryptography": [python, "-c", _CRYPTOGRAPHY_FLOOR],
        "age": [_age(), "-r", recipient],
    }
    for argv in argvs.values():
        _wall(argv)  # warm-up: caches bytecode and the page cache
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            times[name].append(_wall(argv))
    return times


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
        times = bench_startup(recipient, runs=args.startups)
        wall = {name: [1000 * w for w, _ in values] for name, values in times.items()}
        cpu = {name: [1000 * c for _, c in values] for name, values in times.items()}
        best = {name: min(values) for name, values in wall.items()}
        print(f"start-up, encrypt of an empty input (best / median of {args.startups}):")
        print(f"  measured: {describe_install(_interpreter(_haven()[0]))}")
        print("                          wall ms           CPU ms (user + system)")
        rows = [
            ("haven keys encrypt", "haven", f"(target < {STARTUP_TARGET_MS:.0f} ms wall, best)"),
            ("python -c pass", "python", "haven/python"),
            ("python + cryptography", "cryptography", "haven/floor "),
            ("age -r", "age", "haven/age   "),
        ]
        for label, name, note in rows:
            ratio = "" if name == "haven" else f" {best['haven'] / best[name]:.2f}x"
            print(
                f"  {label:21s} {best[name]:6.1f} / {statistics.median(wall[name]):6.1f}"
                f"   {min(cpu[name]):6.1f} / {statistics.median(cpu[name]):6.1f}   {note}{ratio}"
            )
        print(
            "  haven's own share     "
            f"{best['haven'] - best['cryptography']:6.1f} ms wall, "
            f"{min(cpu['haven']) - min(cpu['cryptography']):.1f} ms CPU "
            "(haven minus python + cryptography, best)"
        )


if __name__ == "__main__":
    main()
