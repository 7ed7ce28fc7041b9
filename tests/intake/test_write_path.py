"""The write path: how many write transactions a submission costs, and when they run."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError

import intake.staging
import keys
from intake import create_app
from intake.chunks import ChunkWriter, read_chunks
from intake.config import load_config
from intake.db import writing
from intake.derivation_gate import DerivationGate
from intake.errors import PublicationError
from intake.leases import LeaseKeeper
from intake.models import Chunk, StoredFile, Submission
from intake.staging import FLUSH_BYTES, StagedSubmission, collect_expired
from intake.state import attach_state, state_of
from intake.write_census import WriteCensus, counting_writes
from tests.intake import multipart
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.intake.forms import csrf_token, redirected_once
from tests.intake.storage import engine_of, leases_at, submissions
from tests.support import WAIT_SECONDS

MIB = 1 << 20


class WatchedBody(io.BytesIO):
    """A request body that records, at every read, the write transactions its reader holds."""

    def __init__(self, data: bytes, census: WriteCensus) -> None:
        super().__init__(data)
        self.census = census
        self.reads = 0
        self.open_at_a_read = 0
        self.reading_threads: set[int] = set()

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        self.open_at_a_read = max(self.open_at_a_read, self.census.open_on_this_thread())
        self.reading_threads.add(threading.get_ident())
        return super().read(size)


def post(client: FlaskClient, body: io.BytesIO) -> str:
    response = client.post(
        "/report",
        input_stream=body,
        content_type=multipart.CONTENT_TYPE,
        environ_overrides={"wsgi.input_terminated": True},
    )
    # Published: the answer is the redirect to the one-time receipt page.
    assert response.status_code == 303, response.status_code
    return response.get_data(as_text=True)


def report_body(client: FlaskClient, *files: bytes) -> bytes:
    return multipart.body(
        [
            multipart.field("csrf_token", csrf_token(client)),
            multipart.field("narrative", "what happened"),
            *(multipart.file_part(f"{n}.bin".encode(), data) for n, data in enumerate(files)),
        ]
    )


def test_a_text_only_report_is_one_write_transaction(app: Flask, client: FlaskClient) -> None:
    engine = engine_of(app)
    body = report_body(client)
    with counting_writes(engine) as census:
        post(client, io.BytesIO(body))
    assert (census.committed, census.rolled_back) == (1, 0)
    assert list(submissions(engine).values()) == ["published"]


def test_a_report_with_two_small_files_is_one_write_transaction(
    app: Flask, client: FlaskClient
) -> None:
    engine = engine_of(app)
    body = report_body(client, b"first file" * 1000, b"second file" * 1000)
    with counting_writes(engine) as census:
        post(client, io.BytesIO(body))
    assert (census.committed, census.rolled_back) == (1, 0)
    with engine.connect() as connection:
        names = connection.execute(select(StoredFile.name)).scalars().all()
    assert sorted(names) == ["attachment-001.age", "attachment-002.age", "report.age"]


def test_large_files_cost_one_transaction_per_batch_and_none_during_a_read(
    app: Flask, client: FlaskClient
) -> None:
    engine = engine_of(app)
    sizes = (3 * FLUSH_BYTES + MIB // 2, FLUSH_BYTES // 2)
    body_bytes = report_body(client, *(os.urandom(size) for size in sizes))
    with counting_writes(engine) as census:
        body = WatchedBody(body_bytes, census)
        post(client, body)
    # Batches are written as the ciphertext arrives: at most one per FLUSH_BYTES,
    # plus publication. age adds a little per 64 KiB, hence the one spare batch.
    batches = sum(sizes) // FLUSH_BYTES
    assert batches + 1 <= census.committed <= batches + 2
    assert census.rolled_back == 0
    # The body is read many times between batches, and never by a thread holding a
    # write transaction: the batches are stored on threads of their own (which are
    # handed bytes already read, and read nothing), publication on the request's.
    assert body.reads > census.committed
    assert body.open_at_a_read == 0
    assert len(body.reading_threads) == 1
    assert len(census.committing_threads - body.reading_threads) >= 1


def recorded_and_stored(engine: Engine) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    """Each stored file's recorded (size, SHA-256) beside those of its stored chunks."""
    with engine.connect() as connection:
        files = connection.execute(select(StoredFile.id, StoredFile.size, StoredFile.sha256))
        pairs = []
        for file_id, size, sha256 in files.all():
            ciphertext = b"".join(read_chunks(connection, file_id=file_id))
            stored = (len(ciphertext), hashlib.sha256(ciphertext).hexdigest())
            pairs.append(((size, sha256), stored))
    return pairs


# Files finished in the batch that opened them, finished a batch or more later, one
# of several chunks ending exactly at a batch's end, and one finished at publication.
BATCH_SHAPES = (
    (b"small" * 100, b"other" * 200),
    (os.urandom(3 * FLUSH_BYTES + MIB // 2), b"after a large one"),
    (os.urandom(FLUSH_BYTES - 4096),),
)


@pytest.mark.parametrize("files", BATCH_SHAPES, ids=["small", "several-batches", "one-batch"])
def test_each_files_recorded_size_and_digest_are_those_of_its_stored_chunks(
    app: Flask, client: FlaskClient, files: tuple[bytes, ...]
) -> None:
    engine = engine_of(app)
    post(client, io.BytesIO(report_body(client, *files)))
    pairs = recorded_and_stored(engine)
    assert len(pairs) == len(files) + 1  # and the report
    for recorded, stored in pairs:
        assert recorded == stored


def test_a_file_is_never_fully_buffered(app: Flask, client: FlaskClient) -> None:
    """Ciphertext queued in memory stays within a batch: the rest is already stored."""
    engine = engine_of(app)
    stored_during_upload: list[int] = []
    body_bytes = report_body(client, os.urandom(4 * FLUSH_BYTES))

    class Sampling(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            if self.tell() > 3 * FLUSH_BYTES and not stored_during_upload:
                with engine.connect() as connection:
                    stored = connection.execute(select(Chunk.data)).scalars().all()
                stored_during_upload.append(sum(len(data) for data in stored))
            return super().read(size)

    post(client, Sampling(body_bytes))
    # Read 3 batches in, 2 batches of ciphertext (and a little more: age's tags) were
    # handed over; handing over the second waited for the first to be stored, so at
    # least that one was in the database, and at most one is held beside the next.
    assert stored_during_upload and stored_during_upload[0] >= FLUSH_BYTES


def test_a_batch_that_fails_to_be_stored_fails_the_upload_and_leaves_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error on the batch writer's thread is the request's, as if written in line."""
    engine = engine_of(app)
    write_batch = intake.staging._write_batch
    batches: list[int] = []

    def second_fails(connection: Connection, submission_id: str, batch: Any) -> None:
        batches.append(threading.get_ident())
        if len(batches) == 2:
            raise OperationalError("INSERT INTO chunks", {}, OSError("the disk went away"))
        write_batch(connection, submission_id, batch)

    monkeypatch.setattr(intake.staging, "_write_batch", second_fails)
    response = client.post(
        "/report",
        input_stream=io.BytesIO(report_body(client, os.urandom(4 * FLUSH_BYTES))),
        content_type=multipart.CONTENT_TYPE,
        environ_overrides={"wsgi.input_terminated": True},
    )
    # The "cannot store reports right now" page, as for any database error.
    assert response.status_code == 503
    assert threading.get_ident() not in batches[:2]
    # The first batch was stored, then deleted with the rest of the submission.
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.execute(select(Chunk.id)).first() is None
        assert connection.execute(select(StoredFile.id)).first() is None


def test_a_batch_thread_that_cannot_start_fails_the_upload_and_leaves_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No thread left (a process's task limit): the upload fails, its rows and lease go."""
    engine = engine_of(app)
    start = threading.Thread.start

    def refused(thread: threading.Thread) -> None:
        if thread.name == "haven-batch":
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", refused)
    answered: list[int] = []

    def send() -> None:
        answered.append(client.post(
            "/report",
            input_stream=io.BytesIO(report_body(client, os.urandom(2 * FLUSH_BYTES))),
            content_type=multipart.CONTENT_TYPE,
            environ_overrides={"wsgi.input_terminated": True},
        ).status_code)  # fmt: skip

    # On a thread of its own, so that a discard waiting for a store that never began
    # fails this test instead of hanging it.
    sender = threading.Thread(target=send, daemon=True)
    start(sender)
    sender.join(WAIT_SECONDS)
    assert not sender.is_alive(), "the failed upload never finished"
    assert answered and answered[0] >= 500
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.execute(select(Chunk.id)).first() is None
    assert not state_of(app).leases._held  # released, not renewed for the worker's life


def synchronous_of_each_batch(monkeypatch: pytest.MonkeyPatch, query: str) -> list[str]:
    """Record, for every batch written from now on, what `query` answers in its transaction."""
    write_batch = intake.staging._write_batch
    seen: list[str] = []

    def recording(connection: Connection, submission_id: str, batch: Any) -> None:
        seen.append(str(connection.exec_driver_sql(query).scalar_one()))
        write_batch(connection, submission_id, batch)

    monkeypatch.setattr(intake.staging, "_write_batch", recording)
    return seen


@pytest.mark.parametrize(
    ("pragma", "staged", "durable"),
    [("synchronous", "1", "2"), ("wal_autocheckpoint", "0", "1000")],
)
def test_staged_batches_do_not_wait_for_the_disk_and_publication_does(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
    pragma: str, staged: str, durable: str,
) -> None:  # fmt: skip
    engine = engine_of(app)
    seen = synchronous_of_each_batch(monkeypatch, f"PRAGMA {pragma}")
    post(client, io.BytesIO(report_body(client, os.urandom(2 * FLUSH_BYTES + MIB))))
    # NORMAL (1) and no checkpoint at commit for the staged batches; FULL (2) and
    # SQLite's own checkpoints for publication, whose fsync of the WAL makes every
    # batch before it durable too. The report is one more file in publication's batch.
    assert seen[:-1] == [staged] * (len(seen) - 1) and len(seen) >= 3
    assert seen[-1] == durable
    # A connection back in the pool from a staged batch carries nothing further.
    with writing(engine) as connection:
        assert str(connection.exec_driver_sql(f"PRAGMA {pragma}").scalar_one()) == durable


def checkpoints_recorded(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], threading.Event]:
    """Checkpoint after every batch; record the thread of each checkpoint run."""
    monkeypatch.setattr(intake.staging, "CHECKPOINT_BYTES", FLUSH_BYTES)
    checkpoint = intake.staging.checkpoint
    threads: list[int] = []
    ran = threading.Event()

    def recording(engine: Engine) -> int | None:
        threads.append(threading.get_ident())
        ran.set()
        return checkpoint(engine)

    monkeypatch.setattr(intake.staging, "checkpoint", recording)
    return threads, ran


def test_an_uploads_log_is_checkpointed_beside_its_batches(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads, ran = checkpoints_recorded(monkeypatch)
    post(client, io.BytesIO(report_body(client, os.urandom(3 * FLUSH_BYTES))))
    # Run after a batch on its thread and waited for by no one: it may still be
    # running as the request ends (the wait only bounds a hang).
    assert ran.wait(timeout=60)
    assert threading.get_ident() not in threads


def test_a_log_grown_long_is_checkpointed_before_the_next_batch(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads, _ran = checkpoints_recorded(monkeypatch)
    # Every log counts as long: each checkpoint runs in line, within its batch's store,
    # so the upload's next batch waits for it and starts the log over.
    monkeypatch.setattr(intake.staging, "LOG_GROWTH_PAGES", -1)
    post(client, io.BytesIO(report_body(client, os.urandom(4 * FLUSH_BYTES))))
    # Each batch handed over is due one (4 MiB each, the patched interval), and each
    # ran before the request went on: none is left to run after it.
    assert len(threads) >= 3
    assert threading.get_ident() not in threads


def test_ids_do_not_give_arrival_order(app: Flask, client: FlaskClient) -> None:
    engine = engine_of(app)
    report_ids: list[int] = []
    chunk_ids: list[int] = []
    for _ in range(20):
        before = set(submissions(engine))
        post(client, io.BytesIO(report_body(client)))
        (new,) = set(submissions(engine)) - before
        with engine.connect() as connection:
            file_id = connection.execute(
                select(StoredFile.id).where(StoredFile.submission_id == new)
            ).scalar_one()
            chunk_id = connection.execute(
                select(Chunk.id).where(Chunk.file_id == file_id)
            ).scalar_one()
        report_ids.append(file_id)
        chunk_ids.append(chunk_id)
    # 20 random ids come out sorted one time in 20! (about 4e-19).
    assert report_ids != sorted(report_ids)
    assert chunk_ids != sorted(chunk_ids)
    assert min(report_ids) > 1 << 32 or max(report_ids) > 1 << 40
    with engine.connect() as connection:
        # No hidden rowid numbers submissions in arrival order on SQLite.
        for table in ("submissions", "replies"):
            with pytest.raises(OperationalError, match="rowid"):
                connection.exec_driver_sql(f"SELECT rowid FROM {table}").all()
        # And the rowids of files and chunks are their random ids.
        assert sorted(connection.exec_driver_sql("SELECT rowid FROM chunks").scalars()) == sorted(
            connection.execute(select(Chunk.id)).scalars()
        )


def test_database_files_tell_only_the_day(app: Flask, client: FlaskClient, data_dir: Path) -> None:
    post(client, io.BytesIO(report_body(client, b"evidence")))
    midnight = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC).timestamp()
    files = [path for path in data_dir.iterdir() if path.name.startswith("intake.sqlite3")]
    assert {path.name for path in files} >= {"intake.sqlite3", "intake.sqlite3-wal"}
    for path in files:
        stat = path.stat()
        assert (stat.st_mtime, stat.st_atime) == (midnight, midnight), path.name


def stage_one_batch(engine: Engine, leases: LeaseKeeper) -> tuple[StagedSubmission, ChunkWriter]:
    """A staged upload with one batch written and its file still open."""
    staged = StagedSubmission(engine, leases=leases)
    _, writer = staged.open_attachment()
    writer.write(bytes(FLUSH_BYTES))
    # The batch is being stored on the batch writer's thread: stored before going on.
    staged.flush()
    return staged, writer


def test_a_live_upload_is_never_collected(app: Flask) -> None:
    engine = engine_of(app)
    clock = [1_000_000.0]
    leases = LeaseKeeper(engine, clock=lambda: clock[0], background=False)
    staged, writer = stage_one_batch(engine, leases)
    assert list(submissions(engine).values()) == ["staged"]
    # Ten leases' worth of time pass, renewed as the keeper does while the upload lives.
    for _ in range(40):
        clock[0] += leases.renew_seconds
        assert leases.renew_and_collect() == 0
    assert list(submissions(engine).values()) == ["staged"]
    writer.finish()
    staged.publish(receipt_lookup_id=None, reply_recipient=None)
    assert list(submissions(engine).values()) == ["published"]
    # Once published, no lease or time remains on the row.
    with engine.connect() as connection:
        assert connection.execute(select(Submission.lease_expires)).scalar_one() is None


def test_an_upload_whose_lease_ran_out_cannot_write_again(app: Flask) -> None:
    engine = engine_of(app)
    leases = leases_at(engine, 1_000_000.0)
    staged, writer = stage_one_batch(engine, leases)
    writer.finish()
    assert collect_expired(engine, now=1_000_000 + leases.lease_seconds + 1) == 1
    assert submissions(engine) == {}
    # Its process was only stalled: it finds its rows gone and publishes nothing.
    with pytest.raises(PublicationError):
        staged.publish(receipt_lookup_id=None, reply_recipient=None)
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.execute(select(Chunk.id)).first() is None


def test_a_submission_that_finds_no_argon2_slot_in_time_gets_its_form_back(
    app: Flask, client: FlaskClient
) -> None:
    state = app.extensions["haven_intake"]
    gate = DerivationGate(slots=2, checkbacks_per_minute=1, submission_wait_seconds=0.01)
    attach_state(app, dataclasses.replace(state, gate=gate))
    body = report_body(client, b"evidence")
    with ExitStack() as held:
        # Every slot taken, and kept for as long as the request runs.
        for _ in range(gate.slots):
            held.enter_context(gate.for_submission())
        response = client.post(
            "/report",
            input_stream=io.BytesIO(body),
            content_type=multipart.CONTENT_TYPE,
            environ_overrides={"wsgi.input_terminated": True},
            follow_redirects=True,
        )
    page = redirected_once(response).get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "Many people are sending reports right now" in page
    assert "what happened" in page  # the narrative, typed again for the reporter
    assert "the files you attached were not kept" in page
    assert submissions(engine_of(app)) == {}


def test_every_lease_round_sets_the_file_times_back(app: Flask, data_dir: Path) -> None:
    """The rounds run whatever happens: they also keep the files' times at the day."""
    engine = engine_of(app)
    database = data_dir / "intake.sqlite3"
    os.utime(database, (1_000_000_000, 1_000_000_000))
    leases_at(engine, 1_000_000.0).renew_and_collect()
    midnight = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC).timestamp()
    assert database.stat().st_mtime == midnight


@pytest.fixture
def pg_app(tmp_path: Path, reviewer: keys.X25519Identity, database_url: str) -> Iterator[Flask]:
    data_dir = prepare_data_dir(tmp_path / "pg-data", [str(reviewer.recipient())], database_url)
    config = load_config(
        {
            "HAVEN_DATA_DIR": str(data_dir),
            "HAVEN_DATABASE_URL": database_url,
            "HAVEN_PLAIN_HTTP": "1",
        }
    )
    app = create_app(dataclasses.replace(config, receipt_cost=FAST_RECEIPT_COST))
    yield app
    app.extensions["haven_intake"].leases.stop()
    engine_of(app).dispose()


@pytest.mark.postgres
def test_the_write_path_on_postgresql(pg_app: Flask, reviewer: keys.X25519Identity) -> None:
    engine = engine_of(pg_app)
    client = pg_app.test_client()
    with counting_writes(engine) as census:
        post(client, io.BytesIO(report_body(client)))
    assert (census.committed, census.rolled_back) == (1, 0)

    data = os.urandom(2 * FLUSH_BYTES + MIB)
    with counting_writes(engine) as census:
        body = WatchedBody(report_body(client, data), census)
        post(client, body)
    assert 3 <= census.committed <= 4 and body.open_at_a_read == 0
    with engine.connect() as connection:
        ids = connection.execute(select(StoredFile.id)).scalars().all()
        (attachment_id,) = connection.execute(
            select(StoredFile.id).where(StoredFile.name == "attachment-001.age")
        ).scalars()
    # 63-bit random ids: a 32-bit column would have refused almost every one.
    assert max(ids) > 1 << 31
    ciphertext = b"".join(read_chunks(engine, file_id=attachment_id))
    assert keys.decrypt(ciphertext, identities=[reviewer]) == data
    for recorded, stored in recorded_and_stored(engine):
        assert recorded == stored


@pytest.mark.postgres
def test_staged_batches_do_not_wait_for_the_disk_on_postgresql(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_of(pg_app)
    client = pg_app.test_client()
    seen = synchronous_of_each_batch(monkeypatch, "SHOW synchronous_commit")
    post(client, io.BytesIO(report_body(client, os.urandom(2 * FLUSH_BYTES + MIB))))
    assert seen[:-1] == ["off"] * (len(seen) - 1) and len(seen) >= 3
    assert seen[-1] == "on"
    with writing(engine) as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"


@pytest.mark.postgres
def test_two_nodes_collect_only_a_dead_nodes_upload_on_postgresql(pg_app: Flask) -> None:
    engine = engine_of(pg_app)
    clock = [1_000_000.0]
    live_node = LeaseKeeper(engine, clock=lambda: clock[0], background=False)
    dead_node = LeaseKeeper(engine, clock=lambda: clock[0], background=False)
    other_node = LeaseKeeper(engine, clock=lambda: clock[0], background=False)
    live, _ = stage_one_batch(engine, live_node)
    dead, _ = stage_one_batch(engine, dead_node)
    # The dead node renews nothing from now on; the others go on with their rounds.
    for _ in range(8):
        clock[0] += live_node.renew_seconds
        live_node.renew_and_collect()
        other_node.renew_and_collect()
    assert submissions(engine) == {live.id: "staged"}
    assert dead.id not in submissions(engine)
