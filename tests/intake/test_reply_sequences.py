"""Which sequences of a signer intake loaded, kept on SQLite and PostgreSQL, and migrated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

import intake.reply_sequences
from intake.db import make_engine, writing
from intake.errors import ReplyBundleRefused
from intake.migrate import upgrade_to_head
from intake.models import LoadedReplySequence, ReviewerSequence
from intake.reply_sequences import record_loaded_sequence, refuse_loaded_sequence

SIGNER = "SHA256:" + "a" * 43


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL of each kind, empty."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    else:
        yield request.getfixturevalue("database_url")


def load(engine: Engine, sequence: int) -> None:
    with writing(engine) as connection:
        refuse_loaded_sequence(connection, signer=SIGNER, sequence=sequence)
        record_loaded_sequence(connection, signer=SIGNER, sequence=sequence)


def kept(engine: Engine) -> tuple[int | None, list[int]]:
    with engine.connect() as connection:
        floor = connection.execute(select(ReviewerSequence.floor_sequence)).scalar_one_or_none()
        loaded = connection.execute(
            select(LoadedReplySequence.sequence).order_by(LoadedReplySequence.sequence)
        )
        return floor, list(loaded.scalars())


def test_late_sequences_load_once_and_the_window_bounds_what_is_kept(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake.reply_sequences, "WINDOW", 4)
    engine = make_engine(database)
    upgrade_to_head(engine)
    for sequence in (3, 1, 2):
        load(engine, sequence)
    assert kept(engine) == (0, [1, 2, 3])
    for sequence in (1, 2, 3):
        with pytest.raises(ReplyBundleRefused, match="loaded before"):
            load(engine, sequence)
    load(engine, 9)
    # The floor trails the highest by the window; what is at or below it is dropped.
    assert kept(engine) == (5, [9])
    for sequence in (4, 5):
        with pytest.raises(ReplyBundleRefused, match="at or below 5"):
            load(engine, sequence)
    load(engine, 6)
    assert kept(engine) == (5, [6, 9])
    engine.dispose()


def test_the_last_sequence_becomes_the_floor_and_back(database: str) -> None:
    engine = make_engine(database)
    upgrade_to_head(engine, revision="0006_drafts")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO reviewer_sequences (signer, last_sequence) VALUES (:s, 7)"),
            {"s": SIGNER},
        )
    upgrade_to_head(engine)
    # Before 0007 every sequence up to the last was refused: it still is, nothing replays.
    assert kept(engine) == (7, [])
    for sequence in (6, 7):
        with pytest.raises(ReplyBundleRefused, match="at or below 7"):
            load(engine, sequence)
    load(engine, 10)
    load(engine, 8)
    downgrade(engine, "0006_drafts")
    with engine.connect() as connection:
        last = connection.execute(text("SELECT last_sequence FROM reviewer_sequences"))
        # Back to one number: the highest loaded, so none of them loads again.
        assert last.scalar_one() == 10
    engine.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    from intake.migrate import _alembic_config

    config = _alembic_config()
    with engine.connect() as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
