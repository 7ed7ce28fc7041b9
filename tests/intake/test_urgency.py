"""Urgency end to end on intake: counted while waiting, picked up first, forgotten after."""

from __future__ import annotations

import json
import tarfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text

from haven.cli import main
from intake.db import make_engine
from intake.migrate import _alembic_config
from intake.models import Submission
from intake.pickup import waiting_for_pickup, write_pickup_bundle
from keys.signing import SigningKey
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import engine_of

DAY = date(2031, 5, 17)
PICKUP_KEY = SigningKey.generate()


def report(client: FlaskClient, *, danger: str) -> str:
    before = set(_ids(engine_of(client.application)))
    data = {"csrf_token": csrf_token(client), "narrative": "x", "danger_now": danger}
    assert client.post("/report", content_type=MULTIPART, data=data).status_code == 303
    (new,) = set(_ids(engine_of(client.application))) - before
    return new


def _ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(Submission.id)).scalars())


def _urgent_flags(engine: Engine) -> dict[str, bool]:
    with engine.connect() as connection:
        rows = connection.execute(select(Submission.id, Submission.urgent))
        return {row.id: row.urgent for row in rows}


def _bundled(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        manifest = tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
    return [s["id"] for s in json.loads(manifest)["submissions"]]


def test_only_the_danger_answer_marks_a_submission_urgent(app: Flask, client: FlaskClient) -> None:
    urgent = report(client, danger="yes")
    calm = report(client, danger="no")
    assert _urgent_flags(engine_of(app)) == {urgent: True, calm: False}
    assert waiting_for_pickup(engine_of(app)).urgent == 1


def test_pickup_takes_urgent_ones_first_and_then_forgets_their_urgency(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    calm = [report(client, danger="no") for _ in range(3)]
    urgent = [report(client, danger="yes") for _ in range(2)]
    engine = engine_of(app)
    picked = write_pickup_bundle(engine, tmp_path / "b.tar", today=DAY, signing_key=PICKUP_KEY)
    assert (picked.submissions, picked.urgent) == (5, 2)
    order = _bundled(tmp_path / "b.tar")
    assert sorted(order[:2]) == sorted(urgent) and sorted(order[2:]) == sorted(calm)
    # Picked up, nothing says which were urgent any more; review reads it from the report.
    assert not any(_urgent_flags(engine).values())


def test_an_urgent_only_pickup_leaves_the_others_waiting(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    calm = report(client, danger="no")
    urgent = report(client, danger="yes")
    engine = engine_of(app)
    picked = write_pickup_bundle(
        engine, tmp_path / "u.tar", today=DAY, signing_key=PICKUP_KEY, urgent_only=True
    )
    assert (picked.submissions, picked.urgent) == (1, 1)
    assert _bundled(tmp_path / "u.tar") == [urgent]
    assert waiting_for_pickup(engine).submissions == 1
    rest = write_pickup_bundle(engine, tmp_path / "r.tar", today=DAY, signing_key=PICKUP_KEY)
    assert (rest.submissions, rest.urgent) == (1, 0)
    assert _bundled(tmp_path / "r.tar") == [calm]


def test_the_operator_is_told_how_many_urgent_wait(
    app: Flask, client: FlaskClient, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    report(client, danger="yes")
    report(client, danger="no")
    status = CliRunner().invoke(main, ["intake", "status", "--data-dir", str(data_dir)])
    assert status.exit_code == 0, status.output
    assert "2 submissions wait for pickup, 1 of them urgent" in status.output
    assert "--urgent-only" in status.output
    out = tmp_path / "urgent.tar"
    pickup = CliRunner().invoke(
        main,
        ["intake", "pickup", "--data-dir", str(data_dir), "--out", str(out), "--urgent-only"],
    )
    assert pickup.exit_code == 0, pickup.output
    assert "Wrote 1 submission to" in pickup.output and "1 of them urgent" in pickup.output
    assert "1 other submission waits for the next pickup." in pickup.output
    status = CliRunner().invoke(main, ["intake", "status", "--data-dir", str(data_dir)])
    assert "1 submission waits for pickup, 0 of them urgent" in status.output


def _migrate(engine: Engine, revision: str) -> None:
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _upgrade_keeps_waiting_submissions(engine: Engine) -> None:
    _migrate(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submissions (id, state, staged_day, received_day)"
                " VALUES ('a' || repeat('0', 31), 'published', '2031-01-01', '2031-01-01')"
                if engine.dialect.name == "postgresql"
                else "INSERT INTO submissions (id, state, staged_day, received_day)"
                " VALUES ('a' || printf('%031d', 0), 'published', '2031-01-01', '2031-01-01')"
            )
        )
    _migrate(engine, "head")
    assert waiting_for_pickup(engine).submissions == 1
    assert waiting_for_pickup(engine).urgent == 0


def test_the_urgency_migration_keeps_waiting_submissions_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    _upgrade_keeps_waiting_submissions(engine)
    engine.dispose()


@pytest.mark.postgres
def test_the_urgency_migration_keeps_waiting_submissions_on_postgresql(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    _upgrade_keeps_waiting_submissions(engine)
    engine.dispose()
