"""Keeping a worker's memory to what its live requests use: large blocks go back to the system.

Each Argon2id derivation allocates its 19 MiB in one block. glibc serves a
block that large with mmap and unmaps it when freed, but it then raises its
mmap threshold to that size ("dynamic threshold"), so the next derivations'
blocks come from the heap arena of whichever thread runs them, and stay
resident after they are freed. With 8 threads, each with its own arena, a
worker kept 8 x 19 MiB it no longer used (issue 11 measured 263-311 MiB a
worker). Fixing the threshold (which turns the dynamic adjustment off) keeps
every block of a MiB or more mapped only while it is in use; the derivation
gate bounds how many are in use at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt(3) parameter numbers of glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks at least this large are mapped on their own and unmapped when freed.
MMAP_THRESHOLD_BYTES = 1 << 20


def return_large_blocks() -> bool:
    """Make glibc unmap freed blocks of MMAP_THRESHOLD_BYTES or more; False where not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    # The trim threshold is set too: setting either stops glibc adjusting both.
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_BYTES)
    )
