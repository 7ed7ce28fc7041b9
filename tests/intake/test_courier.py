"""The courier endpoint in the test client: ceilings before Argon2, sealed secrets, refusals."""

from __future__ import annotations

import base64
import dataclasses
import io
import tarfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import argon2
import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

import intake.courier_auth
import intake.courier_credentials
from contracts import courier as contract
from intake import create_app
from intake.config import IntakeConfig, load_config
from intake.courier_audit import courier_uses
from intake.courier_ceilings import CourierCeilings
from intake.courier_credentials import NewCourier, add_courier, find_courier, token_matches
from intake.errors import ConfigError, CourierBusy, CourierError
from tests.intake.headers import SECURITY_HEADERS

TODAY = date(2026, 12, 2)


@pytest.fixture
def courier_app(config: IntakeConfig) -> Iterator[Flask]:
    app = create_app(
        dataclasses.replace(
            config, courier=True, courier_attempts_per_minute=100, courier_total_per_minute=5
        )
    )
    yield app
    app.extensions["haven_intake"].engine.dispose()


def new_courier(app: Flask, name: str) -> NewCourier:
    state = app.extensions["haven_intake"]
    return add_courier(state.engine, name, secret_key=state.config.secret_key, today=TODAY)


def headers(courier: NewCourier, code: str | None = None) -> dict[str, str]:
    totp = pyotp.parse_uri(courier.totp_uri)
    return {
        contract.CREDENTIAL_HEADER: courier.credential,
        contract.TOTP_HEADER: code if code is not None else totp.now(),
    }


def test_the_setting_is_off_unless_given(data_dir: Path) -> None:
    environ = {"HAVEN_DATA_DIR": str(data_dir)}
    assert load_config(environ).courier is False
    assert load_config({**environ, "HAVEN_COURIER": "1"}).courier is True
    with pytest.raises(ConfigError, match="HAVEN_COURIER must be 0 or 1"):
        load_config({**environ, "HAVEN_COURIER": "yes"})


def test_past_the_total_ceiling_no_argon2_runs(
    courier_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real = intake.courier_auth.token_matches

    def counting(stored: object, token: str) -> bool:
        verified.append(token)
        return real(stored, token)  # type: ignore[arg-type]

    monkeypatch.setattr(intake.courier_auth, "token_matches", counting)
    client = courier_app.test_client()
    couriers = [new_courier(courier_app, f"c{number}") for number in range(6)]
    # Five attempts a minute from all couriers together, whoever sends them.
    for courier in couriers[:5]:
        answer = client.get(contract.PICKUP_PATH, headers=headers(courier, "000000"))
        assert answer.status_code == 401
    answer = client.get(contract.PICKUP_PATH, headers=headers(couriers[5]))
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "60"
    assert answer.get_json() == {"error": "too many courier attempts in the last minute"}
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    assert len(verified) == 5, "the refused attempt ran no Argon2"


@pytest.fixture
def guarded_app(config: IntakeConfig) -> Iterator[Flask]:
    """Three attempts a minute per name, thirty in all: a name's ceiling is reached first."""
    app = create_app(
        dataclasses.replace(
            config, courier=True, courier_attempts_per_minute=3, courier_total_per_minute=30
        )
    )
    yield app
    app.extensions["haven_intake"].engine.dispose()


def test_a_known_and_an_unknown_name_get_the_same_answers_at_every_attempt(
    guarded_app: Flask,
) -> None:
    # /tmp/review-replies/courier_name_oracle.py: only stored names were counted, so the
    # 4th wrong attempt in a minute answered 429 for a real name and 401 for a made-up one.
    real = new_courier(guarded_app, "alice-laptop")
    client = guarded_app.test_client()

    def answers(name: str) -> list[tuple[int, str]]:
        wrong = {contract.CREDENTIAL_HEADER: f"{name}:{'A' * 43}", contract.TOTP_HEADER: "000000"}
        got = [client.get(contract.PICKUP_PATH, headers=wrong) for _ in range(5)]
        return [(a.status_code, a.get_json()["error"].replace(name, "NAME")) for a in got]

    known, unknown = answers("alice-laptop"), answers("bob-laptop")
    assert known == unknown
    assert [status for status, _ in known] == [401, 401, 401, 429, 429]
    assert known[3][1] == "too many attempts by courier NAME in the last minute"
    # Each name its own ceiling: the made-up one spent none of the real courier's, and the
    # real courier is kept out for the minute like anyone presenting its name.
    assert client.get(contract.PICKUP_PATH, headers=headers(real)).status_code == 429


def test_malformed_credentials_are_refused_before_they_count(courier_app: Flask) -> None:
    # Five attempts a minute in all (courier_app): junk used to spend them and lock every
    # courier out before its credential's shape was looked at.
    client = courier_app.test_client()
    for junk in ("", "junk", "alice:short", f"Upper:{'A' * 43}", f"{'A' * 43}", "a:b:c"):
        for _ in range(5):
            answer = client.get(
                contract.PICKUP_PATH,
                headers={contract.CREDENTIAL_HEADER: junk, contract.TOTP_HEADER: "000000"},
            )
            assert answer.status_code == 401
            assert answer.get_json() == {"error": "the courier credential is wrong"}
    courier = new_courier(courier_app, "after-junk")
    assert client.get(contract.PICKUP_PATH, headers=headers(courier)).status_code == 204


def test_the_table_of_names_stays_bounded_and_keeps_no_name() -> None:
    now = [0.0]
    ceilings = CourierCeilings(per_courier=2, total=5, clock=lambda: now[0])
    for minute in range(20):
        now[0] = minute * 61.0
        for number in range(5):
            ceilings.admit(f"made-up-{minute}-{number}")
        with pytest.raises(CourierBusy, match="too many courier attempts"):
            ceilings.admit("one-too-many")
        assert ceilings.names_held() == 5
    held = repr(vars(ceilings)) + repr(list(ceilings._each))
    assert "made-up" not in held and b"made-up" not in b"".join(ceilings._each)
    # A name with attempts in the last minute is never the one made way for: at most
    # `total` names are counted a minute, and the table has room for them all.
    now[0] += 61.0
    ceilings.admit("alice")
    ceilings.admit("alice")
    for number in range(2):
        ceilings.admit(f"other-{number}")
    with pytest.raises(CourierBusy, match="by courier alice"):
        ceilings.admit("alice")


def test_the_totp_secret_is_sealed_in_the_database(courier_app: Flask, data_dir: Path) -> None:
    courier = new_courier(courier_app, "sealed")
    secret = pyotp.parse_uri(courier.totp_uri).secret
    token = courier.credential.rpartition(":")[2]
    database = (data_dir / "intake.sqlite3").read_bytes()
    assert secret.encode() not in database
    assert base64.b32decode(secret) not in database
    assert token.encode() not in database
    state = courier_app.extensions["haven_intake"]
    stored = find_courier(state.engine, "sealed")
    assert stored is not None and stored.token_hash.startswith("$argon2id$")
    # Under another instance's secret key the sealed secret opens to nothing.
    with pytest.raises(CourierError, match="sealed under another secret key"):
        intake.courier_auth.accepted_step(stored, "123456", secret_key=b"another" * 5)


def test_names_are_checked_and_unique(courier_app: Flask) -> None:
    new_courier(courier_app, "once")
    with pytest.raises(CourierError, match="exists already"):
        new_courier(courier_app, "once")
    for bad in ("", "Upper", "has space", "a:b", "x" * 41):
        with pytest.raises(CourierError, match="courier name"):
            new_courier(courier_app, bad)


def test_a_refused_reply_bundle_is_422_audited_and_changes_nothing(courier_app: Flask) -> None:
    courier = new_courier(courier_app, "uploader")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("not-a-manifest")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    client: FlaskClient = courier_app.test_client()
    answer = client.post(contract.REPLIES_PATH, data=raw.getvalue(), headers=headers(courier))
    assert answer.status_code == 422
    assert "does not start with manifest.json" in answer.get_json()["error"]
    engine = courier_app.extensions["haven_intake"].engine
    (use,) = courier_uses(engine)
    assert (use.courier, use.action) == ("uploader", "refused")
    assert not list(courier_app.extensions["haven_intake"].config.data_dir.glob(".courier-*"))


def test_an_oversized_reply_bundle_is_refused_before_it_is_read(courier_app: Flask) -> None:
    courier = new_courier(courier_app, "big")
    client = courier_app.test_client()
    answer = client.post(
        contract.REPLIES_PATH,
        headers=headers(courier),
        input_stream=io.BytesIO(b""),
        environ_overrides={"CONTENT_LENGTH": str(1 << 40)},
    )
    assert answer.status_code == 413
    assert "a reply bundle is at most" in answer.get_json()["error"]


def test_a_couriers_own_fetch_does_not_show_in_its_names_ceiling(guarded_app: Flask) -> None:
    """Two wrong attempts under a name, the courier's own fetch, then the third wrong one:
    401 as under a made-up name, not a 429 telling that the courier fetched this minute."""
    real = new_courier(guarded_app, "alice-laptop")
    client = guarded_app.test_client()

    def wrong(name: str) -> int:
        probe = {contract.CREDENTIAL_HEADER: f"{name}:{'A' * 43}", contract.TOTP_HEADER: "000000"}
        return client.get(contract.PICKUP_PATH, headers=probe).status_code

    assert [wrong("alice-laptop"), wrong("alice-laptop")] == [401, 401]
    assert client.get(contract.PICKUP_PATH, headers=headers(real)).status_code == 204
    assert [wrong("alice-laptop"), wrong("bob-laptop")] == [401, 401]


def test_an_unknown_name_runs_one_argon2_as_a_known_one_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even the first unknown name of a process: it is verified against a hash with the
    hasher's own parameters, and no hash is made for it (which would cost twice as much)."""
    verified: list[argon2.Parameters] = []

    class Counting(argon2.PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            raise AssertionError("a token was hashed to check an unknown name")

        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(argon2.extract_parameters(str(hash)))
            return super().verify(hash, password)

    hasher = Counting(time_cost=2, memory_cost=16, parallelism=1, type=argon2.Type.ID)
    monkeypatch.setattr(intake.courier_credentials, "TOKEN_HASHER", hasher)
    assert not token_matches(None, "A" * 43)
    assert not token_matches(None, "A" * 43)
    wanted = argon2.Parameters(
        type=argon2.Type.ID, version=19, salt_len=16, hash_len=32,
        time_cost=2, memory_cost=16, parallelism=1,
    )  # fmt: skip
    assert verified == [wanted, wanted]


def test_a_refund_uncounts_the_couriers_own_attempt_not_a_later_one() -> None:
    """Wrong tokens sent under a name while the courier's own login runs stay counted:
    the refund takes back the courier's attempt, so no minute holds more than the
    ceiling of anyone else's (the third review's refund_pops_latest.py)."""
    now = [0.0]
    ceilings = CourierCeilings(per_courier=3, total=1000, clock=lambda: now[0])

    def attempt(at: float) -> bool:
        now[0] = at
        try:
            ceilings.admit("alice")
        except CourierBusy:
            return False
        return True

    now[0] = 0.0
    own = ceilings.admit("alice")  # the courier's request; Argon2 runs
    admitted = [at for at in (0.1, 0.2) if attempt(at)]  # wrong tokens meanwhile
    now[0] = 0.5
    ceilings.refund("alice", own)  # the courier authenticated
    admitted += [at for at in (0.6, 0.7, 30.0, 59.9, 60.01) if attempt(at)]
    for start in admitted:
        in_a_minute = [at for at in admitted if start <= at < start + 60]
        assert len(in_a_minute) <= 3, admitted
