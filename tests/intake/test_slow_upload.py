"""A slow upload in progress must not delay another reporter's submission."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import keys
from intake.chunks import CHUNK_SIZE
from intake.db import make_engine
from intake.models import Chunk, Submission
from intake.staging import FLUSH_BYTES
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.served import Reporter, Served, serve
from tests.support import WAIT_SECONDS

MIB = 1 << 20


@pytest.fixture
def served(tmp_path: Path, reviewer: keys.X25519Identity) -> Iterator[Served]:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    yield from serve(data_dir, tmp_path)


def count(served: Served, column: object) -> list[object]:
    engine = make_engine(f"sqlite:///{served.data_dir / 'intake.sqlite3'}")
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(column)).scalars())  # type: ignore[call-overload]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_stalled_upload_does_not_block_another_submission(served: Served) -> None:
    slow, quick = Reporter(served.port), Reporter(served.port)
    body = multipart.body(
        [
            multipart.field("csrf_token", slow.token),
            multipart.field("narrative", "slow"),
            # More than one batch of ciphertext (FLUSH_BYTES), so some is stored early.
            multipart.file_part(b"video.mp4", b"v" * (FLUSH_BYTES + 2 * MIB)),
        ]
    )
    head, tail = body[: FLUSH_BYTES + MIB], body[FLUSH_BYTES + MIB :]
    stalled = socket.create_connection(("127.0.0.1", served.port), timeout=WAIT_SECONDS)
    request = "POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in slow.headers(len(body)).items()
    )
    stalled.sendall(request.encode() + b"\r\n" + head)

    # The reporter's connection goes quiet with ciphertext chunks already stored.
    served.server.wait_until(
        lambda: len(count(served, Chunk.seq)) >= FLUSH_BYTES // CHUNK_SIZE,
        failure="the slow upload stored nothing",
    )

    started = time.monotonic()
    status, page = quick.submit(
        multipart.body(
            [
                multipart.field("csrf_token", quick.token),
                multipart.field("narrative", "quick"),
            ]
        )
    )
    elapsed = time.monotonic() - started
    assert status == 200, page
    assert elapsed < 5, f"the quick submission waited {elapsed:.1f}s"
    assert sorted(count(served, Submission.state)) == ["published", "staged"]  # type: ignore[type-var]

    stalled.sendall(tail)
    response = http.client.HTTPResponse(stalled)
    response.begin()
    assert response.status == 303  # to the receipt
    stalled.close()
    assert sorted(count(served, Submission.state)) == ["published", "published"]  # type: ignore[type-var]
