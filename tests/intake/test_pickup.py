"""Pickup bundles (docs/pickup-bundle.md), purge and the collection of staged leftovers."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import tarfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

import keys
from intake.models import Chunk
from intake.pickup import PickupError, write_pickup_bundle
from intake.purge import purge_picked_up
from intake.staging import StagedSubmission, collect_stale
from tests.intake.conftest import MULTIPART, csrf_token
from tests.intake.storage import engine_of, submissions
from tests.support import require_program

DAY = date(2031, 5, 17)
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def submit(client: FlaskClient, narrative: str, files: int = 0) -> None:
    data: dict[str, Any] = {"csrf_token": csrf_token(client), "narrative": narrative}
    data["attachments"] = [
        (io.BytesIO(f"file {n} of {narrative}".encode()), f"{n}.txt", "text/plain")
        for n in range(files)
    ]
    assert client.post("/report", content_type=MULTIPART, data=data).status_code == 200


def open_bundle(path: Path) -> tuple[dict[str, Any], dict[str, bytes], list[str]]:
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        assert all(m.isfile() for m in members)
        names = [m.name for m in members]
        contents = {m.name: tar.extractfile(m).read() for m in members}  # type: ignore[union-attr]
    return json.loads(contents.pop("manifest.json")), contents, names


def test_bundle_follows_the_documented_format(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity, tmp_path: Path
) -> None:
    submit(client, "first", files=2)
    submit(client, "second")
    bundle = tmp_path / "bundle.tar"
    assert write_pickup_bundle(engine_of(app), bundle, today=DAY) == 2

    manifest, contents, names = open_bundle(bundle)
    assert names[0] == "manifest.json"
    assert manifest["format"] == "haven-pickup" and manifest["version"] == 1
    assert HEX32.match(manifest["bundle_id"])
    assert manifest["created_day"] == DAY.isoformat()
    expected_names = ["manifest.json"]
    narratives = set()
    for entry in manifest["submissions"]:
        assert HEX32.match(entry["id"])
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", entry["received_day"])
        assert entry["reply_recipient"].startswith("age1")
        assert [f["kind"] for f in entry["files"]].count("report") == 1
        assert entry["files"][0]["name"] == "report.age"
        for described in entry["files"]:
            member = f"submissions/{entry['id']}/{described['name']}"
            expected_names.append(member)
            data = contents[member]
            assert described["size"] == len(data)
            assert described["sha256"] == hashlib.sha256(data).hexdigest()
        report = json.loads(
            keys.decrypt(contents[f"submissions/{entry['id']}/report.age"], identities=[reviewer])
        )
        narratives.add(report["answers"]["narrative"])
        assert [a["file"] for a in report["attachments"]] == [f["name"] for f in entry["files"][1:]]
    assert names == expected_names
    assert narratives == {"first", "second"}
    assert set(submissions(engine_of(app)).values()) == {"picked_up"}
    # Original file names are inside the ciphertext only.
    assert b"0.txt" not in bundle.read_bytes()


def test_a_second_pickup_has_nothing_and_writes_nothing(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    submit(client, "once")
    assert write_pickup_bundle(engine_of(app), tmp_path / "one.tar", today=DAY) == 1
    assert write_pickup_bundle(engine_of(app), tmp_path / "two.tar", today=DAY) == 0
    assert not (tmp_path / "two.tar").exists()
    submit(client, "later")
    assert write_pickup_bundle(engine_of(app), tmp_path / "three.tar", today=DAY) == 1


def test_pickup_refuses_to_overwrite_a_bundle(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    submit(client, "x")
    (tmp_path / "bundle.tar").write_bytes(b"keep me")
    with pytest.raises(PickupError, match="already exists"):
        write_pickup_bundle(engine_of(app), tmp_path / "bundle.tar", today=DAY)
    assert (tmp_path / "bundle.tar").read_bytes() == b"keep me"
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_pickup_detects_ciphertext_altered_in_storage(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    submit(client, "x")
    with engine_of(app).begin() as connection:
        connection.execute(update(Chunk).values(data=b"\x00" * 10))
    with pytest.raises(PickupError, match="does not match"):
        write_pickup_bundle(engine_of(app), tmp_path / "bundle.tar", today=DAY)
    assert not (tmp_path / "bundle.tar").exists()
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_stock_age_opens_a_stored_submission(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity, tmp_path: Path
) -> None:
    age = require_program("age", "apt install age")
    submit(client, "opened by stock age", files=1)
    write_pickup_bundle(engine_of(app), tmp_path / "bundle.tar", today=DAY)
    with tarfile.open(tmp_path / "bundle.tar") as tar:
        tar.extractall(tmp_path / "out", filter="data")
    identity = tmp_path / "reviewer.txt"
    identity.write_text(f"{reviewer}\n")
    (report,) = (tmp_path / "out").glob("submissions/*/report.age")
    opened = subprocess.run(
        [age, "-d", "-i", str(identity), str(report)], capture_output=True, check=True
    )
    assert json.loads(opened.stdout)["answers"]["narrative"] == "opened by stock age"
    attachment = report.with_name("attachment-001.age")
    opened = subprocess.run(
        [age, "-d", "-i", str(identity), str(attachment)], capture_output=True, check=True
    )
    assert opened.stdout == b"file 0 of opened by stock age"


def test_purge_removes_only_picked_up_past_retention(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    engine = engine_of(app)
    submit(client, "old")
    write_pickup_bundle(engine, tmp_path / "a.tar", today=DAY)
    submit(client, "not yet picked up")
    assert purge_picked_up(engine, today=DAY + timedelta(days=13), retention_days=14) == 0
    assert len(submissions(engine)) == 2
    assert purge_picked_up(engine, today=DAY + timedelta(days=14), retention_days=14) == 1
    assert list(submissions(engine).values()) == ["published"]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM chunks").scalar_one() == 1


def test_stale_staged_submissions_are_collected(app: Flask) -> None:
    engine = engine_of(app)
    staged = StagedSubmission(engine, today=lambda: DAY)
    _, writer = staged.open_attachment()
    writer.write(b"ciphertext of an upload that died")
    writer.finish()
    assert collect_stale(engine, today=DAY + timedelta(days=1)) == 0
    assert collect_stale(engine, today=DAY + timedelta(days=2)) == 1
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM chunks").scalar_one() == 0


def test_staged_submissions_are_invisible_to_pickup(app: Flask, tmp_path: Path) -> None:
    staged = StagedSubmission(engine_of(app), today=lambda: DAY)
    staged.open_report().finish()
    assert write_pickup_bundle(engine_of(app), tmp_path / "b.tar", today=DAY) == 0
