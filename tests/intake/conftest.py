"""Fixtures of the intake suite: a data directory, a reviewer key, an app and its client."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
import keys.argon2_memory
import keys.receipt
from intake import create_app
from intake.config import IntakeConfig, load_config
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.support import require

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture(scope="session")
def reviewer() -> keys.X25519Identity:
    """A classic reviewer identity, generated once: the stock `age` tool can open its files."""
    return keys.X25519Identity.generate()


@pytest.fixture
def data_dir(tmp_path: Path, reviewer: keys.X25519Identity) -> Path:
    """An initialised data directory whose recipients file names `reviewer`."""
    return prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])


@pytest.fixture
def config(data_dir: Path) -> IntakeConfig:
    """Configuration for `data_dir`, with cheap receipt derivation."""
    loaded = load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1"})
    return dataclasses.replace(loaded, receipt_cost=FAST_RECEIPT_COST)


@pytest.fixture
def app(config: IntakeConfig) -> Iterator[Flask]:
    """The intake app for `config`."""
    app = create_app(config)
    yield app
    app.extensions["haven_intake"].leases.stop()
    app.extensions["haven_intake"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture
def database_url() -> Iterator[str]:
    """A uniquely named database, created for this test and dropped after it."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
        )
    except psycopg.OperationalError as error:
        require(False, f"PostgreSQL at 127.0.0.1:5432 is not reachable ({error})")
        raise
    name = f"haven_intake_{secrets.token_hex(6)}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Argon2id run from now on, recorded by the (normalised) code it was given."""
    seen: list[str] = []
    real = keys.argon2_memory.argon2id_raw

    def counting(secret: bytes, salt: bytes, **kwargs: Any) -> bytes:
        seen.append(secret.decode())
        return real(secret, salt, **kwargs)

    monkeypatch.setattr(keys.receipt, "argon2id_raw", counting)
    return seen
