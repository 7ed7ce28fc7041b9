"""Authenticating one courier request: shape and ceilings, then the token, then a fresh TOTP code.

In this order, so that a flood is answered 429 before any Argon2 runs:

1. the credential's shape: a malformed one is refused before it counts, so junk
   spends no courier's ceiling (well-formed junk still does: docs/deploy.md);
2. the ceiling of all courier attempts in the last minute (this process), and
   the name's own, counted for every name presented, known or not, so the
   answers tell nobody which names exist (intake/courier_ceilings.py);
3. the token, against its Argon2id hash, in a slot of the derivation gate (an
   unknown name is checked against a dummy hash: the same cost, the same answer);
4. the TOTP code, which must be for a time step later than the last one accepted
   from this courier: a code, and so a whole request replayed, is refused;
5. once all of it is proven, the attempt is uncounted from the name's ceiling, so
   a courier's own fetches never show in what its name's next attempts are told.

Like intake's other ceilings these count times, never who: nothing of the
client (address, user agent) is looked at or kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from intake.courier_ceilings import CourierCeilings
from intake.courier_credentials import (
    accepted_step,
    find_courier,
    split_credential,
    token_matches,
    use_step,
)
from intake.derivation_gate import DerivationGate
from intake.errors import CourierRefused


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
        parts = split_credential(credential)
        if parts is None:
            raise CourierRefused("the courier credential is wrong")
        name, token = parts
        admitted = self.ceilings.admit(name)
        stored = find_courier(self.engine, name)
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
        # Proven: the attempt no longer counts under the name (intake/courier_ceilings.py).
        self.ceilings.refund(name, admitted)
        return name
