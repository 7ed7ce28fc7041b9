"""Courier credentials: a random token (kept as an Argon2id hash) and a TOTP secret.

`haven intake courier add NAME` prints both once. The token is 256 random bits,
so its Argon2id hash tells whoever reads the database nothing usable. The TOTP
secret cannot be hashed, since the server computes codes from it: it is sealed
with AES-GCM under a key derived from the data directory's secret key, bound to
the courier's name. Whoever holds a database dump or backup alone learns the
couriers' names and nothing that authenticates; whoever takes the whole server
(data directory included) can compute the TOTP codes, but still lacks the
tokens, and by then holds the ciphertext the courier would have fetched anyway.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import argon2
import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from contracts import courier as contract
from intake.db import writing
from intake.errors import CourierError
from intake.models import Courier

# Domain separation: this key seals TOTP secrets and does nothing else.
_SEAL_LABEL = b"haven-intake courier totp seal v1"
_NONCE_BYTES = 12
_TOTP_SECRET_BYTES = 20  # RFC 4226's recommended 160 bits
_TOKEN_BYTES = 32
# A code of the step before or after is accepted too: the courier's clock may be off
# by up to one step. Each step is still accepted at most once (last_step).
_DRIFT_STEPS = 1
ISSUER = "Haven intake"

# RFC 9106's second recommended option (64 MiB, 3 passes); it runs through the
# derivation gate, so a flood of attempts never runs more of these than there are slots.
TOKEN_HASHER = argon2.PasswordHasher(
    time_cost=3, memory_cost=64 * 1024, parallelism=4, type=argon2.Type.ID
)


def _absent_hash() -> str:
    """Verified in place of a courier that does not exist, so that an unknown name costs
    the same time as a known one with a wrong token.

    Written out, not hashed: with TOKEN_HASHER's parameters, a random salt and a
    random digest, verifying it runs the same Argon2id as a stored hash and never
    matches. Hashing would run Argon2 once more at the first unknown name of each
    process, which would then take twice as long as a known one (and, done at
    import instead, would start Argon2's threads before gunicorn forks: a second
    malloc arena in every worker, intake/memory.py).
    """
    salt = secrets.token_bytes(TOKEN_HASHER.salt_len)
    digest = secrets.token_bytes(TOKEN_HASHER.hash_len)
    return (
        f"$argon2id$v={argon2.low_level.ARGON2_VERSION}"
        f"$m={TOKEN_HASHER.memory_cost},t={TOKEN_HASHER.time_cost},p={TOKEN_HASHER.parallelism}"
        f"${_unpadded(salt)}${_unpadded(digest)}"
    )


def _unpadded(data: bytes) -> str:
    # The PHC string format's base64: standard alphabet, no padding.
    return base64.b64encode(data).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class NewCourier:
    """What `courier add` shows the operator once: the credential and the TOTP URI."""

    name: str
    credential: str
    totp_uri: str


@dataclass(frozen=True)
class CourierEntry:
    """One courier as `courier list` shows it."""

    name: str
    added_day: date


def seal_key(secret_key: bytes) -> bytes:
    """The key that seals TOTP secrets, derived from the instance's secret key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_LABEL).derive(
        secret_key
    )


def add_courier(engine: Engine, name: str, *, secret_key: bytes, today: date) -> NewCourier:
    """Create courier `name` and return its credentials (shown once, never again)."""
    if contract.NAME.fullmatch(name) is None:
        raise CourierError(
            f"courier name {name!r}: use 1-40 lowercase letters, digits, '.', '_' or '-'"
        )
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    totp_secret = base64.b32encode(secrets.token_bytes(_TOTP_SECRET_BYTES)).decode("ascii")
    try:
        with writing(engine) as connection:
            connection.execute(
                insert(Courier).values(
                    name=name,
                    token_hash=TOKEN_HASHER.hash(token),
                    sealed_totp_secret=_seal(totp_secret, name=name, secret_key=secret_key),
                    last_step=None,
                    added_day=today,
                )
            )
    except IntegrityError:
        raise CourierError(f"courier {name} exists already (remove it first)") from None
    uri = pyotp.TOTP(totp_secret).provisioning_uri(name=name, issuer_name=ISSUER)
    return NewCourier(name=name, credential=f"{name}:{token}", totp_uri=uri)


def list_couriers(engine: Engine) -> list[CourierEntry]:
    """Every courier, by name."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Courier.name, Courier.added_day).order_by(Courier.name)
        ).all()
    return [CourierEntry(name=row.name, added_day=row.added_day) for row in rows]


def remove_courier(engine: Engine, name: str) -> None:
    """Revoke courier `name`: its next request is refused like an unknown one's."""
    with writing(engine) as connection:
        removed = connection.execute(delete(Courier).where(Courier.name == name)).rowcount
    if removed != 1:
        raise CourierError(f"there is no courier {name}")


def split_credential(credential: str) -> tuple[str, str] | None:
    """The courier name and token of a credential `NAME:TOKEN`, or None if malformed."""
    name, separator, token = credential.rpartition(":")
    if (
        not separator
        or contract.NAME.fullmatch(name) is None
        or contract.TOKEN.fullmatch(token) is None
    ):
        return None
    return name, token


@dataclass(frozen=True)
class StoredCourier:
    """A courier's row, as authentication needs it."""

    name: str
    token_hash: str
    sealed_totp_secret: str


def find_courier(engine: Engine, name: str) -> StoredCourier | None:
    """The stored credentials of courier `name`, or None when there is none."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Courier.name, Courier.token_hash, Courier.sealed_totp_secret).where(
                Courier.name == name
            )
        ).first()
    if row is None:
        return None
    return StoredCourier(row.name, row.token_hash, row.sealed_totp_secret)


def token_matches(stored: StoredCourier | None, token: str) -> bool:
    """Whether `token` is the stored courier's token (Argon2id; as slow when there is none)."""
    try:
        TOKEN_HASHER.verify(stored.token_hash if stored else _absent_hash(), token)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
    return stored is not None


def accepted_step(
    stored: StoredCourier,
    code: str,
    *,
    secret_key: bytes,
    now: Callable[[], float] = time.time,
) -> int | None:
    """The TOTP time step whose code is `code` (the current one, or one either side), or None."""
    if contract.TOTP_CODE.fullmatch(code) is None:
        return None
    totp = pyotp.TOTP(
        _unseal(stored.sealed_totp_secret, name=stored.name, secret_key=secret_key),
        digits=contract.TOTP_DIGITS,
        interval=contract.TOTP_STEP_SECONDS,
    )
    current = int(now()) // contract.TOTP_STEP_SECONDS
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * contract.TOTP_STEP_SECONDS), code):
            return step
    return None


def use_step(engine: Engine, name: str, step: int) -> bool:
    """Record `step` as courier `name`'s last accepted one; False if it (or a later one) was.

    One conditional UPDATE, so two workers or nodes given the same code accept it once.
    """
    with writing(engine) as connection:
        changed = connection.execute(
            update(Courier)
            .where(
                Courier.name == name,
                or_(Courier.last_step.is_(None), Courier.last_step < step),
            )
            .values(last_step=step)
        ).rowcount
    return changed == 1


def _aead(secret_key: bytes) -> AESGCM:
    return AESGCM(seal_key(secret_key))


def _seal(totp_secret: str, *, name: str, secret_key: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _aead(secret_key).encrypt(nonce, totp_secret.encode("ascii"), name.encode("ascii"))
    return base64.b64encode(nonce + sealed).decode("ascii")


def _unseal(sealed: str, *, name: str, secret_key: bytes) -> str:
    raw = base64.b64decode(sealed)
    try:
        plain = _aead(secret_key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], name.encode("ascii")
        )
    except InvalidTag:
        # Another instance's secret key, or a row moved to another name: never a code.
        raise CourierError(
            f"courier {name}: its TOTP secret was sealed under another secret key; "
            "remove and add it again"
        ) from None
    return plain.decode("ascii")
