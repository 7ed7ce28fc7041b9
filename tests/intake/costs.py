"""The receipt cost intake tests run with."""

from __future__ import annotations

from keys.receipt import Argon2Cost

# Receipt derivation at production cost takes a second per submission; the suite
# checks derivation logic, not Argon2's cost, so it runs with the cheapest settings.
FAST_RECEIPT_COST = Argon2Cost(time_cost=1, memory_kib=8, parallelism=1)
