"""After purge, no byte of a purged submission remains in any of SQLite's files."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.config import DATABASE_FILE
from intake.models import Chunk
from intake.pickup import write_pickup_bundle
from intake.purge import purge_picked_up
from keys.signing import SigningKey
from tests.intake import multipart
from tests.intake.forms import csrf_token
from tests.intake.storage import engine_of, submissions

DAY = date(2031, 5, 17)
RETENTION_DAYS = 14
SLICE = 64
MIB = 1 << 20


def database_files(data_dir: Path) -> list[Path]:
    """The database and the WAL and shared-memory files beside it, those that exist."""
    names = (DATABASE_FILE, f"{DATABASE_FILE}-wal", f"{DATABASE_FILE}-shm")
    return [data_dir / name for name in names if (data_dir / name).exists()]


def stored_slices(app: Flask) -> list[bytes]:
    """64-byte slices from the start, middle and end of every stored chunk.

    Every chunk is longer than a slice: the report's own is a few hundred bytes.
    """
    with engine_of(app).connect() as connection:
        chunks = connection.execute(select(Chunk.data)).scalars().all()
    assert sum(len(chunk) for chunk in chunks) > 3 * MIB
    return [
        chunk[offset : offset + SLICE]
        for chunk in chunks
        for offset in (0, len(chunk) // 2, len(chunk) - SLICE)
    ]


def test_purge_leaves_no_ciphertext_in_the_database_its_wal_or_shm(
    app: Flask, client: FlaskClient, data_dir: Path, tmp_path: Path
) -> None:
    # Random, so no slice of its ciphertext can turn up anywhere by chance.
    body = multipart.body(
        [
            multipart.field("csrf_token", csrf_token(client)),
            multipart.field("narrative", "a report to be purged"),
            multipart.file_part(b"evidence.bin", os.urandom(3 * MIB)),
        ]
    )
    response = client.post(
        "/report", content_type=multipart.CONTENT_TYPE, data=body, follow_redirects=True
    )
    assert response.status_code == 200
    slices = stored_slices(app)
    engine = engine_of(app)
    bundle = tmp_path / "bundle.tar"
    write_pickup_bundle(engine, bundle, today=DAY, signing_key=SigningKey.generate())
    # Before purge the ciphertext is there to find, so the scan below can fail.
    before = b"".join(path.read_bytes() for path in database_files(data_dir))
    assert all(piece in before for piece in slices)

    today = DAY + timedelta(days=RETENTION_DAYS)
    assert purge_picked_up(engine, today=today, retention_days=RETENTION_DAYS) == 1
    assert submissions(engine) == {}

    # The app's engine is still open, as a running server's would be: SQLite has
    # not cleaned up on a last close.
    for path in database_files(data_dir):
        stored = path.read_bytes()
        assert not any(piece in stored for piece in slices), path.name
