"""Keeping a worker's memory to what its live requests use: one malloc arena, reused.

Argon2's 19 MiB blocks no longer come from malloc at all (keys/argon2_memory.py
maps them once and reuses them); this is what was measured while they did,
and one arena still keeps the heap's other large buffers (request bodies,
queued ciphertext) from being kept per thread.

Each Argon2id derivation allocated its 19 MiB in one block. glibc gives every
thread that allocates at once an arena of its own (up to 8 per core), and
after the first such block is freed it raises its mmap threshold to that size
("dynamic threshold"), so the next blocks come from the arena of whichever
thread runs the derivation and stay resident there once freed. With 8
threads a worker kept about 8 x 19 MiB it no longer used (issue 11 measured
263-311 MiB a worker).

With the worker's threads sharing one arena, a freed block is reused by the
next derivation, and the derivation gate lets at most one per core run at
once, so only a few blocks are ever resident. Python's GIL already serialises
most allocation, so one arena costs little parallelism. The alternatives
measured worse (bench/intake_write.py, 40 concurrent reporters): unmapping
every block (a fixed mmap threshold) held a worker to 125 MiB but cost every
derivation 19 MiB of fresh page faults, about half again the server's CPU per
submission; two arenas kept 193 MiB.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt(3) parameter number of glibc's malloc.h.
_M_ARENA_MAX = -8
MAX_ARENAS = 1


def share_malloc_arena() -> bool:
    """Make the process's threads share one glibc malloc arena; False where not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    mallopt = getattr(ctypes.CDLL(name), "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(_M_ARENA_MAX, MAX_ARENAS))
