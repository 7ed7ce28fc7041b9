"""The passphrase the keys/ tests use, and the scrypt work factor they can afford."""

from __future__ import annotations

# scrypt's default work factor (2^18) costs about a second per file; 2^10 keeps
# the same code path at a millisecond, so passphrase tests can be numerous.
FAST_WORK_FACTOR = 10
PASSPHRASE = "correct horse battery staple"
