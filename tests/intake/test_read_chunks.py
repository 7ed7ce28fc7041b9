"""Reading stored files back: every chunk in order, a few per query, stopping at a gap."""

from __future__ import annotations

import io
import os

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

import keys
from intake.chunks import CHUNK_SIZE, READ_BATCH_CHUNKS, read_chunks, read_small_files
from intake.models import Chunk, StoredFile
from tests.intake import multipart
from tests.intake.forms import csrf_token
from tests.intake.storage import chunk_queries, engine_of


def stored_attachment(app: Flask, client: FlaskClient, data: bytes) -> tuple[int, int]:
    """Submit a report with `data` attached; return its stored file's id and chunk count."""
    engine = engine_of(app)
    attachments = select(StoredFile.id).where(StoredFile.name == "attachment-001.age")
    with engine.connect() as connection:
        before = set(connection.execute(attachments).scalars())
    token = csrf_token(client)
    body = multipart.body([
        multipart.field("csrf_token", token),
        multipart.field("narrative", "what happened"),
        multipart.file_part(b"a.bin", data),
    ])  # fmt: skip
    response = client.post(
        "/report", input_stream=io.BytesIO(body), content_type=multipart.CONTENT_TYPE,
        environ_overrides={"wsgi.input_terminated": True},
    )  # fmt: skip
    assert response.status_code == 303
    with engine.connect() as connection:
        (file_id,) = set(connection.execute(attachments).scalars()) - before
        count = connection.execute(
            select(func.count()).where(Chunk.file_id == file_id)
        ).scalar_one()
    return file_id, count


def test_a_file_of_many_chunks_reads_back_whole_a_batch_per_query(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    data = os.urandom(READ_BATCH_CHUNKS * CHUNK_SIZE + CHUNK_SIZE // 2)
    file_id, count = stored_attachment(app, client, data)
    assert count > READ_BATCH_CHUNKS
    engine = engine_of(app)
    with chunk_queries(engine) as queries:
        ciphertext = b"".join(read_chunks(engine, file_id=file_id))
    assert keys.decrypt(ciphertext, identities=[reviewer]) == data
    # Full batches, then the one that comes back short (or empty).
    assert len(queries) == count // READ_BATCH_CHUNKS + 1


def test_reading_stops_at_a_missing_chunk(app: Flask, client: FlaskClient) -> None:
    file_id, count = stored_attachment(app, client, os.urandom(3 * CHUNK_SIZE))
    assert count >= 3
    engine = engine_of(app)
    with engine.begin() as connection:
        connection.execute(delete(Chunk).where(Chunk.file_id == file_id, Chunk.seq == 1))
    assert len(list(read_chunks(engine, file_id=file_id))) == 1


def test_several_files_in_one_query_each_up_to_its_first_gap(
    app: Flask, client: FlaskClient
) -> None:
    whole, _count = stored_attachment(app, client, os.urandom(2 * CHUNK_SIZE))
    broken, _count = stored_attachment(app, client, os.urandom(3 * CHUNK_SIZE))
    engine = engine_of(app)
    with engine.begin() as connection:
        connection.execute(delete(Chunk).where(Chunk.file_id == broken, Chunk.seq == 1))
    with engine.connect() as connection:
        fetched = read_small_files(connection, [whole, broken])
    assert b"".join(fetched[whole]) == b"".join(read_chunks(engine, file_id=whole))
    assert len(fetched[broken]) == 1
