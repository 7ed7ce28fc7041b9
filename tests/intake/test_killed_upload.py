"""A real `haven intake serve` killed mid-upload leaves only staged rows, collected soon after."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

import keys
from intake.db import make_engine
from intake.models import Chunk, Submission
from intake.staging import FLUSH_BYTES
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.served import Reporter, Served, serve
from tests.support import WAIT_SECONDS

MIB = 1 << 20
# The shortest lease intake accepts: the leftovers outlive the killed server by this.
LEASE = {"HAVEN_STAGED_LEASE_SECONDS": "4"}


def stored(data_dir: Path) -> tuple[dict[str, str], int]:
    """Every submission's state, and how many chunks are stored."""
    engine = make_engine(f"sqlite:///{data_dir / 'intake.sqlite3'}")
    try:
        with engine.connect() as connection:
            states = dict(connection.execute(select(Submission.id, Submission.state)).all())
            chunks = connection.execute(select(func.count()).select_from(Chunk)).scalar_one()
        return states, chunks
    finally:
        engine.dispose()


def kill_server(served: Served) -> None:
    """SIGKILL the gunicorn master and every worker at once: nothing gets to clean up."""
    master = served.server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in [master, *map(int, children)]:
        os.kill(pid, signal.SIGKILL)
    served.server.process.wait()


@pytest.mark.slow
def test_leftovers_of_a_killed_server_are_collected_after_restart(
    tmp_path: Path, reviewer: keys.X25519Identity
) -> None:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    first = serve(data_dir, tmp_path, settings=LEASE)
    served = next(first)
    reporter = Reporter(served.port)
    body = multipart.body(
        [
            multipart.field("csrf_token", reporter.token),
            multipart.file_part(b"video.mp4", os.urandom(2 * FLUSH_BYTES + 3 * MIB)),
        ]
    )
    upload = socket.create_connection(("127.0.0.1", served.port), timeout=WAIT_SECONDS)
    request = "POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in reporter.headers(len(body)).items()
    )
    # Two batches and more: a file is read up to FILE_READ_SIZE (1 MiB) at a time, each
    # read waiting for its bytes, so up to that much of what was sent is not yet read.
    upload.sendall(request.encode() + b"\r\n" + body[: 2 * FLUSH_BYTES + 2 * MIB])
    served.server.wait_until(
        lambda: stored(data_dir)[1] >= 2 * FLUSH_BYTES // MIB,
        failure="the upload stored no batch",
    )
    kill_server(served)
    upload.close()
    first.close()
    (leftover,) = stored(data_dir)[0].values()
    assert leftover == "staged"

    # The next server collects them once the dead process's lease has run out: at
    # start-up if it already has, else on its lease keeper's next round.
    second = serve(data_dir, tmp_path, settings=LEASE)
    restarted = next(second)
    try:
        restarted.server.wait_until(
            lambda: stored(data_dir) == ({}, 0), failure="the killed upload was not collected"
        )
        # And the restarted server takes reports as before.
        again = Reporter(restarted.port)
        status, _page = again.submit(
            multipart.body(
                [multipart.field("csrf_token", again.token), multipart.field("narrative", "x")]
            )
        )
        assert status == 200
        assert list(stored(data_dir)[0].values()) == ["published"]
    finally:
        second.close()
