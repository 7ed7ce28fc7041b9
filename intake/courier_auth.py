"""Authenticating one courier request: ceilings first, then the token, then a fresh TOTP code.

In this order, so that a flood is answered 429 before any Argon2 runs:

1. the ceiling of all courier attempts in the last minute (this process);
2. the credential's shape, and the courier's own ceiling (known names only, so
   the table of ceilings is bounded by the couriers the operator added);
3. the token, against its Argon2id hash, in a slot of the derivation gate (an
   unknown name is checked against a dummy hash: the same cost, the same answer);
4. the TOTP code, which must be for a time step later than the last one accepted
   from this courier: a code, and so a whole request replayed, is refused.

Like intake's other ceilings these count times, never who: nothing of the
client (address, user agent) is looked at or kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from intake.courier_credentials import (
    accepted_step,
    find_courier,
    split_credential,
    token_matches,
    use_step,
)
from intake.derivation_gate import AttemptCeiling, DerivationGate
from intake.errors import CourierBusy, CourierRefused


@dataclass
class CourierCeilings:
    """The per-minute ceilings of courier attempts, all couriers and each one, in one process."""

    per_courier: int
    total: int
    clock: Callable[[], float] | None = None
    _all: AttemptCeiling = field(init=False)
    _each: dict[str, AttemptCeiling] = field(init=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._all = self._ceiling(self.total)

    def admit_any(self) -> bool:
        """Count one attempt against the ceiling of all couriers."""
        return self._all.admit()

    def admit(self, name: str) -> bool:
        """Count one attempt against courier `name`'s own ceiling."""
        with self._lock:
            ceiling = self._each.get(name)
            if ceiling is None:
                ceiling = self._each[name] = self._ceiling(self.per_courier)
        return ceiling.admit()

    def _ceiling(self, limit: int) -> AttemptCeiling:
        if self.clock is None:
            return AttemptCeiling(limit)
        return AttemptCeiling(limit, clock=self.clock)


@dataclass(frozen=True)
class CourierAuthenticator:
    """Everything one intake process needs to authenticate courier requests."""

    engine: Engine
    secret_key: bytes
    gate: DerivationGate
    ceilings: CourierCeilings
    now: Callable[[], float] | None = None

    def authenticate(self, credential: str, code: str) -> str:
        """Return the name of the courier `credential` and `code` prove, or raise.

        Raises CourierBusy (answer 429) or CourierRefused (answer 401).
        """
        if not self.ceilings.admit_any():
            raise CourierBusy("too many courier attempts in the last minute")
        parts = split_credential(credential)
        if parts is None:
            raise CourierRefused("the courier credential is wrong")
        name, token = parts
        stored = find_courier(self.engine, name)
        if stored is not None and not self.ceilings.admit(name):
            raise CourierBusy(f"too many attempts by courier {name} in the last minute")
        with self.gate.for_courier():
            right = token_matches(stored, token)
        if not right or stored is None:
            raise CourierRefused("the courier credential is wrong")
        step = (
            accepted_step(stored, code, secret_key=self.secret_key)
            if self.now is None
            else accepted_step(stored, code, secret_key=self.secret_key, now=self.now)
        )
        if step is None:
            raise CourierRefused("the TOTP code is wrong", courier=name)
        if not use_step(self.engine, name, step):
            raise CourierRefused(
                "this TOTP code (or a later one) was used already: wait for the next code",
                courier=name,
            )
        return name
