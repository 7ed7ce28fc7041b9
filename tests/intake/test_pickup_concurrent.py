"""Two pickups at once, on SQLite and on PostgreSQL: every submission in exactly one bundle."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import intake.pickup
import keys
from intake import create_app
from intake.config import load_config
from intake.pickup import write_pickup_bundle
from intake.pickup_lock import PickupLock
from keys.signing import SigningKey
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import engine_of
from tests.support import WAIT_SECONDS, wait_until

DAY = date(2031, 5, 17)
PICKUP_KEY = SigningKey.generate()


def submit(client: FlaskClient, narrative: str, files: int) -> None:
    data: dict[str, Any] = {"csrf_token": csrf_token(client), "narrative": narrative}
    data["attachments"] = [
        (io.BytesIO(f"file {n} of {narrative}".encode()), f"{n}.txt", "text/plain")
        for n in range(files)
    ]
    # Published: the answer is the redirect to the one-time receipt page.
    assert client.post("/report", content_type=MULTIPART, data=data).status_code == 303


def pickup(app: Flask, out: Path) -> int:
    return write_pickup_bundle(engine_of(app), out, today=DAY, signing_key=PICKUP_KEY).submissions


def bundled_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    with tarfile.open(path) as tar:
        return sorted({name.split("/")[1] for name in tar.getnames() if "/" in name})


def race(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    for number in range(3):
        submit(client, f"report {number}", files=number)
    first_inside, release = threading.Event(), threading.Event()
    second_at_lock = threading.Event()
    add_submissions = intake.pickup._add_submissions
    lock = intake.pickup.one_pickup_at_a_time

    def paused_add(*args: Any) -> None:
        # The first pickup stops mid-bundle, its submissions selected but not marked.
        if not first_inside.is_set():
            first_inside.set()
            assert release.wait(WAIT_SECONDS)
        add_submissions(*args)

    def watched_lock(engine: Any) -> AbstractContextManager[PickupLock]:
        if first_inside.is_set():
            second_at_lock.set()
        return lock(engine)

    monkeypatch.setattr(intake.pickup, "_add_submissions", paused_add)
    monkeypatch.setattr(intake.pickup, "one_pickup_at_a_time", watched_lock)
    counts: dict[str, int] = {}
    failures: list[BaseException] = []

    def run(name: str) -> Callable[[], None]:
        def target() -> None:
            try:
                counts[name] = pickup(app, tmp_path / f"{name}.tar")
            except BaseException as error:  # reported below
                failures.append(error)
                release.set()

        return target

    first = threading.Thread(target=run("first"))
    first.start()
    wait_until(first_inside.is_set, failure="the first pickup did not start its bundle")
    second = threading.Thread(target=run("second"))
    second.start()
    wait_until(
        lambda: second_at_lock.is_set() or not second.is_alive(),
        failure="the second pickup did not reach the lock",
    )
    release.set()
    first.join(WAIT_SECONDS)
    second.join(WAIT_SECONDS)
    assert not failures, failures
    one, two = bundled_ids(tmp_path / "first.tar"), bundled_ids(tmp_path / "second.tar")
    assert counts == {"first": 3, "second": 0}
    assert len(one) == 3 and two == []


def test_concurrent_pickups_on_sqlite(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    race(app, tmp_path, monkeypatch)


@contextmanager
def postgres_app(
    tmp_path: Path, reviewer: keys.X25519Identity, database_url: str
) -> Iterator[Flask]:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())], database_url)
    config = load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_DATABASE_URL": database_url,
                          "HAVEN_PLAIN_HTTP": "1"})  # fmt: skip
    app = create_app(dataclasses.replace(config, receipt_cost=FAST_RECEIPT_COST))
    try:
        yield app
    finally:
        app.extensions["haven_intake"].leases.stop()
        app.extensions["haven_intake"].engine.dispose()


@pytest.mark.postgres
def test_concurrent_pickups_on_postgresql(
    tmp_path: Path,
    reviewer: keys.X25519Identity,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with postgres_app(tmp_path, reviewer, database_url) as app:
        race(app, tmp_path, monkeypatch)
