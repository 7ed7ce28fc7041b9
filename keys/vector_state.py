"""Leave the vector registers clean before Argon2, which runs slowly after ChaCha20-Poly1305.

Measured on this project's machines (AMD EPYC with AVX-512, the `cryptography`
wheel's bundled OpenSSL): once a thread has sealed or opened anything with
ChaCha20-Poly1305, every Argon2id derivation it runs afterwards costs about
1.75x the CPU (46 ms instead of 26 ms at the receipt cost), and so does one in
any thread it starts, since a new thread starts with a copy of its parent's
registers. ChaCha20 or Poly1305 alone does not do it; the combined AEAD does;
one SHA-512 block through the same OpenSSL undoes it
(`python bench/argon2_vector_state.py` prints all four side by side).

That is what the cost of a "dirty" upper vector state looks like: the AEAD's
AVX-512 code returns with the upper halves of the vector registers set, and
libargon2's optimised build is legacy-encoded SSE, which pays for that state on
every instruction until some AVX code clears it (VZEROUPPER). Nothing in a
Python process clears it by itself (glibc picks its EVEX string functions on
these CPUs, which have no need to). OpenSSL's AVX2 SHA-512 ends with VZEROUPPER.

An intake worker's request thread encrypts attachments and the report with the
AEAD, then derives the next receipt code: before this, every derivation in the
server paid the 1.75x (41 ms of CPU each under load against 26 ms alone, issue
11). The outputs were never affected, only the time. On a CPU without AVX the
hash is a wasted microsecond or two.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

_ONE_BLOCK = bytes(1)


def clear_vector_state() -> None:
    """Hash one SHA-512 block with cryptography's OpenSSL: its AVX2 code ends with VZEROUPPER."""
    digest = hashes.Hash(hashes.SHA512())
    digest.update(_ONE_BLOCK)
    digest.finalize()
