"""Reading what intake stored, as an attacker with the database would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import Engine, event, select

from intake.chunks import read_chunks
from intake.leases import LeaseKeeper
from intake.models import StoredFile, Submission


def engine_of(app: Flask) -> Engine:
    engine = app.extensions["haven_intake"].engine
    assert isinstance(engine, Engine)
    return engine


def submissions(engine: Engine) -> dict[str, str]:
    """Every submission id with its state."""
    with engine.connect() as connection:
        return dict(connection.execute(select(Submission.id, Submission.state)).all())


def stored_files(engine: Engine, submission_id: str) -> dict[str, bytes]:
    """The ciphertext of every file of a submission, by stored name."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(StoredFile.id, StoredFile.name).where(StoredFile.submission_id == submission_id)
        ).all()
    return {name: b"".join(read_chunks(engine, file_id=file_id)) for file_id, name in rows}


@contextmanager
def chunk_queries(engine: Engine) -> Iterator[list[str]]:
    """The statements that read the chunks table while the block runs, in order."""
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM chunks" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def chunk_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(StoredFile.id)).all())


def leases_at(engine: Engine, instant: float) -> LeaseKeeper:
    """A lease keeper whose clock stands at `instant` and that renews only when told to."""
    return LeaseKeeper(engine, clock=lambda: instant, background=False)


def leases_of(app: Flask) -> LeaseKeeper:
    """The lease keeper of `app`'s process."""
    leases = app.extensions["haven_intake"].leases
    assert isinstance(leases, LeaseKeeper)
    return leases
