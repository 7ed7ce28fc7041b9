"""Argon2id's CPU time after ChaCha20-Poly1305 in the same thread, with and without clearing.

Prints, from one run, the median CPU time of a receipt derivation (production
cost) in a fresh thread:

- alone;
- after the thread sealed 64 KiB with ChaCha20-Poly1305 (what an intake request
  thread does before it derives the next receipt code), through argon2-cffi's
  own hash_secret_raw, which clears nothing;
- after ChaCha20 alone, and after Poly1305 alone (neither slows it);
- after the seal, through keys.argon2_memory.argon2id_raw, which clears the
  vector state first (keys/vector_state.py).

Rounds alternate between the cases, so a drift in the machine's load hits all
alike. Run: python bench/argon2_vector_state.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.poly1305 import Poly1305

from keys.argon2_memory import argon2id_raw
from keys.receipt import PRODUCTION_COST

PLAINTEXT = bytes(64 * 1024)
KEY = os.urandom(32)
SALT = os.urandom(32)


def stock(secret: bytes) -> None:
    hash_secret_raw(secret, SALT, PRODUCTION_COST.time_cost, PRODUCTION_COST.memory_kib,
                    PRODUCTION_COST.parallelism, 32, Type.ID)  # fmt: skip


def ours(secret: bytes) -> None:
    argon2id_raw(secret, SALT, time_cost=PRODUCTION_COST.time_cost,
                 memory_kib=PRODUCTION_COST.memory_kib,
                 parallelism=PRODUCTION_COST.parallelism, length=32)  # fmt: skip


def nothing() -> None:
    pass


def seal() -> None:
    ChaCha20Poly1305(KEY).encrypt(os.urandom(12), PLAINTEXT, None)


def chacha20_only() -> None:
    Cipher(algorithms.ChaCha20(KEY, os.urandom(16)), None).encryptor().update(PLAINTEXT)


def poly1305_only() -> None:
    Poly1305.generate_tag(KEY, PLAINTEXT)


CASES: dict[str, tuple[Callable[[], None], Callable[[bytes], None]]] = {
    "alone (argon2-cffi)": (nothing, stock),
    "after ChaCha20-Poly1305 (argon2-cffi)": (seal, stock),
    "after ChaCha20 alone (argon2-cffi)": (chacha20_only, stock),
    "after Poly1305 alone (argon2-cffi)": (poly1305_only, stock),
    "after ChaCha20-Poly1305 (argon2id_raw)": (seal, ours),
}


def one_derivation(before: Callable[[], None], derive: Callable[[bytes], None]) -> float:
    """The CPU time of one derivation in a new thread that first runs `before`."""
    spent: list[float] = []

    def body() -> None:
        before()
        started = time.thread_time()
        derive(os.urandom(16))
        spent.append(time.thread_time() - started)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return spent[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for before, derive in CASES.values():  # warm-up: the block pool, imports
        one_derivation(before, derive)
    for _ in range(rounds):
        for name, (before, derive) in CASES.items():
            times[name].append(one_derivation(before, derive))
    alone = statistics.median(times["alone (argon2-cffi)"])
    load = os.getloadavg()[0]
    print(f"Argon2id at the receipt cost, CPU ms per derivation "
          f"(median of {rounds}, load {load:.1f}):")
    for name, spent in times.items():
        median = statistics.median(spent)
        print(f"  {name:42} {median * 1000:6.1f} ms   {median / alone:5.2f}x alone")


if __name__ == "__main__":
    main()
