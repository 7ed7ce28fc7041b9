"""Pickup bundles (docs/pickup-bundle.md), purge and the collection of staged leftovers."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import subprocess
import tarfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, update

import intake.pickup
import keys
from intake.errors import PickupError
from intake.models import Chunk, StoredFile
from intake.pickup import write_pickup_bundle
from intake.purge import purge_picked_up
from intake.staging import StagedSubmission, collect_expired
from keys.signing import PICKUP_NAMESPACE, SigningKey
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import chunk_queries, engine_of, leases_at, submissions
from tests.support import WAIT_SECONDS, require_program

DAY = date(2031, 5, 17)
HEX32 = re.compile(r"^[0-9a-f]{32}$")
# Generated once: the suite checks what is signed, not key generation.
PICKUP_KEY = SigningKey.generate()


def submit(client: FlaskClient, narrative: str, files: int = 0) -> None:
    data: dict[str, Any] = {"csrf_token": csrf_token(client), "narrative": narrative}
    data["attachments"] = [
        (io.BytesIO(f"file {n} of {narrative}".encode()), f"{n}.txt", "text/plain")
        for n in range(files)
    ]
    assert (
        client.post("/report", content_type=MULTIPART, data=data, follow_redirects=True).status_code
        == 200
    )


def pickup(app: Flask, out: Path, *, key: SigningKey = PICKUP_KEY) -> int:
    """Write a bundle as `haven intake pickup` would, signed with the suite's key."""
    return write_pickup_bundle(engine_of(app), out, today=DAY, signing_key=key).submissions


def open_bundle(path: Path) -> tuple[dict[str, Any], dict[str, bytes], list[str]]:
    """The verified manifest, the other members by name, and every member name in order."""
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        assert all(m.isfile() for m in members)
        names = [m.name for m in members]
        contents = {m.name: tar.extractfile(m).read() for m in members}  # type: ignore[union-attr]
    manifest = contents.pop("manifest.json")
    signature = contents.pop("manifest.json.sig").decode("ascii")
    PICKUP_KEY.public_key().verify(manifest, signature, namespace=PICKUP_NAMESPACE)
    return json.loads(manifest), contents, names


def test_bundle_follows_the_documented_format(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity, tmp_path: Path
) -> None:
    submit(client, "first", files=2)
    submit(client, "second")
    bundle = tmp_path / "bundle.tar"
    assert pickup(app, bundle) == 2

    manifest, contents, names = open_bundle(bundle)
    assert names[:2] == ["manifest.json", "manifest.json.sig"]
    assert manifest["format"] == "haven-pickup" and manifest["version"] == 4
    assert HEX32.match(manifest["bundle_id"])
    assert manifest["created_day"] == DAY.isoformat()
    expected_names = ["manifest.json", "manifest.json.sig"]
    narratives = set()
    for entry in manifest["submissions"]:
        assert HEX32.match(entry["id"])
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", entry["received_day"])
        assert entry["reply_recipient"].startswith("age1pq1")
        assert entry["follows"] is None
        assert entry["urgent"] is False
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
    assert pickup(app, tmp_path / "one.tar") == 1
    assert pickup(app, tmp_path / "two.tar") == 0
    assert not (tmp_path / "two.tar").exists()
    submit(client, "later")
    assert pickup(app, tmp_path / "three.tar") == 1


def test_pickup_refuses_to_overwrite_a_bundle(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    submit(client, "x")
    (tmp_path / "bundle.tar").write_bytes(b"keep me")
    with pytest.raises(PickupError, match="already exists"):
        pickup(app, tmp_path / "bundle.tar")
    assert (tmp_path / "bundle.tar").read_bytes() == b"keep me"
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_pickup_detects_ciphertext_altered_in_storage(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    submit(client, "x")
    with engine_of(app).begin() as connection:
        connection.execute(update(Chunk).values(data=b"\x00" * 10))
    with pytest.raises(PickupError, match="does not match"):
        pickup(app, tmp_path / "bundle.tar")
    assert not (tmp_path / "bundle.tar").exists()
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_stock_age_opens_a_stored_submission(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity, tmp_path: Path
) -> None:
    age = require_program("age", "apt install age")
    submit(client, "opened by stock age", files=1)
    pickup(app, tmp_path / "bundle.tar")
    with tarfile.open(tmp_path / "bundle.tar") as tar:
        tar.extractall(tmp_path / "out", filter="data")
    identity = tmp_path / "reviewer.txt"
    identity.write_text(f"{reviewer}\n")
    (report,) = (tmp_path / "out").glob("submissions/*/report.age")
    opened = subprocess.run(
        [age, "-d", "-i", str(identity), str(report)],
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    assert json.loads(opened.stdout)["answers"]["narrative"] == "opened by stock age"
    attachment = report.with_name("attachment-001.age")
    opened = subprocess.run(
        [age, "-d", "-i", str(identity), str(attachment)],
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    assert opened.stdout == b"file 0 of opened by stock age"


def test_purge_removes_only_picked_up_past_retention(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    engine = engine_of(app)
    submit(client, "old")
    pickup(app, tmp_path / "a.tar")
    submit(client, "not yet picked up")
    assert purge_picked_up(engine, today=DAY + timedelta(days=13), retention_days=14) == 0
    assert len(submissions(engine)) == 2
    assert purge_picked_up(engine, today=DAY + timedelta(days=14), retention_days=14) == 1
    assert list(submissions(engine).values()) == ["published"]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM chunks").scalar_one() == 1


def test_staged_submissions_are_collected_once_their_lease_runs_out(app: Flask) -> None:
    engine = engine_of(app)
    leases = leases_at(engine, 1_000_000.0)
    staged = StagedSubmission(engine, leases=leases, today=lambda: DAY)
    _, writer = staged.open_attachment()
    writer.write(b"ciphertext of an upload that died")
    writer.finish()
    staged.flush()
    expires = 1_000_000 + leases.lease_seconds
    assert collect_expired(engine, now=expires) == 0
    assert collect_expired(engine, now=expires + 1) == 1
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM chunks").scalar_one() == 0


def test_staged_submissions_are_invisible_to_pickup(app: Flask, tmp_path: Path) -> None:
    engine = engine_of(app)
    staged = StagedSubmission(engine, leases=leases_at(engine, 0.0), today=lambda: DAY)
    staged.open_report().finish()
    staged.flush()
    assert pickup(app, tmp_path / "b.tar") == 0


def test_the_manifest_signature_verifies_with_stock_ssh_keygen(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    ssh_keygen = require_program("ssh-keygen", "apt install openssh-client")
    submit(client, "signed")
    pickup(app, tmp_path / "bundle.tar")
    with tarfile.open(tmp_path / "bundle.tar") as tar:
        tar.extractall(tmp_path / "out", filter="data")
    signers = tmp_path / "allowed_signers"
    signers.write_text(f'intake@haven namespaces="{PICKUP_NAMESPACE}" {PICKUP_KEY.public_key()}\n')

    signature = tmp_path / "out" / "manifest.json.sig"
    command = [ssh_keygen, "-Y", "verify", "-f", str(signers), "-I", "intake@haven"]

    def verify(manifest: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*command, "-n", PICKUP_NAMESPACE, "-s", str(signature)],
            input=manifest,
            capture_output=True,
            timeout=WAIT_SECONDS,
        )

    manifest = (tmp_path / "out" / "manifest.json").read_bytes()
    assert verify(manifest).returncode == 0
    assert verify(manifest.replace(b'"version": 4', b'"version": 5')).returncode != 0


def test_a_bundle_signed_by_another_key_does_not_verify(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    submit(client, "forged")
    pickup(app, tmp_path / "bundle.tar", key=SigningKey.generate())
    with pytest.raises(keys.SignatureError):
        open_bundle(tmp_path / "bundle.tar")


def test_the_bundle_is_durable_before_submissions_are_marked(
    client: FlaskClient, app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(client, "durable", files=1)
    events: list[tuple[str, int]] = []
    real_fsync, real_mark = os.fsync, intake.pickup.mark_all_delivered

    def spy_fsync(fd: int) -> None:
        status = os.fstat(fd)
        events.append(("dir" if stat.S_ISDIR(status.st_mode) else "file", status.st_size))
        real_fsync(fd)

    def spy_mark(*args: Any, **kwargs: Any) -> bool:
        events.append(("mark", 0))
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(intake.pickup, "mark_all_delivered", spy_mark)
    bundle = tmp_path / "bundle.tar"
    pickup(app, bundle)
    # The whole archive (end-of-archive blocks included) is synced, then its name, then marked.
    assert [kind for kind, _ in events] == ["file", "dir", "mark"]
    assert events[0][1] == bundle.stat().st_size


def test_a_concurrent_pickup_leaves_the_other_runs_partial_alone(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    submit(client, "x")
    partial = tmp_path / "bundle.tar.partial"
    partial.write_bytes(b"the first run, still writing")
    with pytest.raises(PickupError, match="another pickup"):
        pickup(app, tmp_path / "bundle.tar")
    assert partial.read_bytes() == b"the first run, still writing"
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_an_unwritable_destination_is_a_pickup_error(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    submit(client, "x")
    with pytest.raises(PickupError, match="cannot create"):
        pickup(app, tmp_path / "no such directory" / "bundle.tar")
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_stored_ciphertext_longer_than_recorded_is_refused(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    submit(client, "x")
    with engine_of(app).begin() as connection:
        shorter = update(StoredFile).values(size=StoredFile.size - 1)
        connection.execute(shorter.where(StoredFile.name == "report.age"))
    with pytest.raises(PickupError, match="longer than its recorded size"):
        pickup(app, tmp_path / "bundle.tar")
    assert not (tmp_path / "bundle.tar").exists()
    assert set(submissions(engine_of(app)).values()) == {"published"}


def test_a_submission_published_during_pickup_waits_for_the_next(
    client: FlaskClient, app: Flask, data_dir: Path, tmp_path: Path
) -> None:
    submit(client, "first")
    # Statement-level snapshots, like PostgreSQL's READ COMMITTED: each query sees
    # whatever was committed when it began.
    engine = create_engine(f"sqlite:///{data_dir / 'intake.sqlite3'}")
    event.listen(engine, "connect", lambda dbapi, _record: setattr(dbapi, "isolation_level", None))
    published_between: list[bool] = []

    def publish_another(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM stored_files" in statement and not published_between:
            published_between.append(True)
            submit(client, "second")

    event.listen(engine, "before_cursor_execute", publish_another)
    count = write_pickup_bundle(
        engine, tmp_path / "bundle.tar", today=DAY, signing_key=PICKUP_KEY
    ).submissions
    engine.dispose()
    assert published_between and count == 1
    manifest, contents, _ = open_bundle(tmp_path / "bundle.tar")
    (only,) = manifest["submissions"]
    assert all(name.startswith(f"submissions/{only['id']}/") for name in contents)
    assert sorted(submissions(engine_of(app)).values()) == ["picked_up", "published"]


def test_small_files_are_read_a_batch_per_query(
    client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    """Many small submissions' files come out of the database in one query, not one each."""
    for serial in range(12):
        submit(client, f"report {serial}", files=1)
    with chunk_queries(engine_of(app)) as reads:
        assert pickup(app, tmp_path / "bundle.tar") == 12
    assert len(reads) == 1
    _manifest, contents, _names = open_bundle(tmp_path / "bundle.tar")
    assert len([name for name in contents if name.endswith(".age")]) == 24
