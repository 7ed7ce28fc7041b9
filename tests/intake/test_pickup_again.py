"""One submission review could not import, or intake cannot bundle, holds up no other."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from intake.cli import intake_group
from intake.errors import PickupError
from intake.models import Chunk, StoredFile
from intake.pickup import skip_submission, write_pickup_bundle
from intake.purge import purge_picked_up
from keys.signing import SigningKey
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import engine_of, submissions

DAY = date(2031, 5, 17)
PICKUP_KEY = SigningKey.generate()


def _submit(client: FlaskClient, narrative: str) -> str:
    before = set(submissions(engine_of(client.application)))
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client),
        "narrative": narrative,
        "attachments": [(io.BytesIO(b"evidence"), "e.txt", "text/plain")],
    }
    sent = client.post("/report", content_type=MULTIPART, data=data, follow_redirects=True)
    assert sent.status_code == 200
    (new,) = set(submissions(engine_of(client.application))) - before
    return new


def _pickup(app: Flask, out: Path, again: tuple[str, ...] = ()) -> int:
    return write_pickup_bundle(
        engine_of(app), out, today=DAY, signing_key=PICKUP_KEY, again=again
    ).submissions


def _bundled_ids(path: Path) -> list[str]:
    with tarfile.open(path) as tar:
        manifest = tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
    return [s["id"] for s in json.loads(manifest)["submissions"]]


def test_again_bundles_exactly_the_named_submission_once_more(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    first, second = _submit(client, "one"), _submit(client, "two")
    assert _pickup(app, tmp_path / "a.tar") == 2
    assert _pickup(app, tmp_path / "b.tar", again=(second,)) == 1
    assert _bundled_ids(tmp_path / "b.tar") == [second]
    with tarfile.open(tmp_path / "a.tar") as a, tarfile.open(tmp_path / "b.tar") as b:
        name = f"submissions/{second}/report.age"
        assert a.extractfile(name).read() == b.extractfile(name).read()  # type: ignore[union-attr]
    assert submissions(engine_of(app)) == {first: "picked_up", second: "picked_up"}


def test_again_refuses_an_unknown_or_never_picked_up_submission(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    waiting = _submit(client, "not picked up yet")
    for wrong in (waiting, "f" * 32):
        with pytest.raises(PickupError, match="not one picked up or skipped before"):
            _pickup(app, tmp_path / "a.tar", again=(wrong,))
    assert not (tmp_path / "a.tar").exists()
    assert submissions(engine_of(app)) == {waiting: "published"}


def test_a_damaged_submission_blocks_pickup_until_skipped_then_the_others_go(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    damaged, victim = _submit(client, "damaged"), _submit(client, "a victim's report")
    engine = engine_of(app)
    with engine.begin() as connection:
        file_ids = select(StoredFile.id).where(StoredFile.submission_id == damaged)
        connection.execute(update(Chunk).where(Chunk.file_id.in_(file_ids)).values(data=b"x"))
    with pytest.raises(PickupError, match=f"submissions/{damaged}/.*haven intake skip"):
        _pickup(app, tmp_path / "a.tar")
    skip_submission(engine, damaged, today=DAY)
    assert _pickup(app, tmp_path / "a.tar") == 1
    assert _bundled_ids(tmp_path / "a.tar") == [victim]
    assert submissions(engine) == {damaged: "skipped", victim: "picked_up"}
    # Skipped submissions leave with retention like picked-up ones.
    assert purge_picked_up(engine, today=DAY + timedelta(days=14), retention_days=14) == 2
    assert submissions(engine) == {}


def test_skip_refuses_what_is_not_published_or_picked_up(app: Flask, client: FlaskClient) -> None:
    engine = engine_of(app)
    submission = _submit(client, "x")
    skip_submission(engine, submission, today=DAY)
    for wrong in (submission, "0" * 32):
        with pytest.raises(PickupError, match="not published or picked up"):
            skip_submission(engine, wrong, today=DAY)


def test_the_cli_skips_with_confirmation_and_sends_again(
    app: Flask, client: FlaskClient, data_dir: Path, tmp_path: Path
) -> None:
    submission = _submit(client, "x")
    runner = CliRunner()
    refused = runner.invoke(intake_group, ["skip", "--data-dir", str(data_dir), submission],
                            input="n\n")
    assert refused.exit_code != 0
    assert submissions(engine_of(app)) == {submission: "published"}
    done = runner.invoke(intake_group, ["skip", "--data-dir", str(data_dir), submission, "--yes"])
    assert done.exit_code == 0, done.output
    assert f"pickup --again {submission}" in done.output
    out = tmp_path / "again.tar"
    again = runner.invoke(
        intake_group,
        ["pickup", "--data-dir", str(data_dir), "--out", str(out), "--again", submission],
    )
    assert again.exit_code == 0, again.output
    assert _bundled_ids(out) == [submission]
    assert submissions(engine_of(app)) == {submission: "picked_up"}


def test_pickup_never_writes_over_or_beside_a_device_or_fifo(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    # The keys CLI's -o /dev/null mistake, checked for bundles: pickup only ever
    # creates a new regular file, so anything already at the path is left alone.
    submission = _submit(client, "x")
    (tmp_path / "dev").mkdir()
    fifo = tmp_path / "dev" / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(PickupError, match="already exists"):
        _pickup(app, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in (tmp_path / "dev").iterdir()] == ["pipe"]
    assert submissions(engine_of(app)) == {submission: "published"}
