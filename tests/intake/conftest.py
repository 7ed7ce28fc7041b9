"""Fixtures of the intake suite: a data directory, a reviewer key, an app and its client."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from intake import create_app
from intake.config import DATABASE_FILE, IntakeConfig, load_config
from intake.db import make_engine
from intake.migrate import upgrade_to_head
from intake.pickup_key import ensure_pickup_signing_key
from intake.secretfiles import create_secret_files
from keys.receipt import Argon2Cost

# Receipt derivation at production cost takes a second per submission; the suite
# checks derivation logic, not Argon2's cost, so it runs with the cheapest settings.
FAST_RECEIPT_COST = Argon2Cost(time_cost=1, memory_kib=8, parallelism=1)
MULTIPART = "multipart/form-data"


@pytest.fixture(scope="session")
def reviewer() -> keys.X25519Identity:
    """A classic reviewer identity, generated once: the stock `age` tool can open its files."""
    return keys.X25519Identity.generate()


def prepare_data_dir(path: Path, recipients: list[str], database_url: str | None = None) -> Path:
    """Initialise `path` as `haven intake init` would, with the given recipients."""
    create_secret_files(path)
    ensure_pickup_signing_key(path)
    (path / "recipients.txt").write_text("# reviewers\n" + "\n".join(recipients) + "\n")
    engine = make_engine(database_url or f"sqlite:///{path / DATABASE_FILE}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


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
    app.extensions["haven_intake"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


def csrf_token(client: FlaskClient) -> str:
    """Load the form and return its CSRF token (setting the session cookie)."""
    page = client.get("/report").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)
