"""The incoming submission owns its staged rows: created when needed, published or deleted."""

from __future__ import annotations

import pytest
from flask import Flask

from intake.config import IntakeConfig
from intake.days import utc_today
from intake.incoming import IncomingSubmission
from intake.receiving import ReceivedForm
from tests.intake.storage import engine_of, submissions


class Refused(Exception):
    """Stands for anything that ends a request before publication."""


def test_nothing_is_staged_before_something_is_stored(app: Flask) -> None:
    engine = engine_of(app)
    with IncomingSubmission(engine, today=utc_today):
        assert submissions(engine) == {}
    assert submissions(engine) == {}


def test_leaving_unpublished_deletes_what_was_staged(app: Flask) -> None:
    """The way out of a form sent back for correction: no exception, no publication."""
    engine = engine_of(app)
    with IncomingSubmission(engine, today=utc_today) as submission:
        name, chunks = submission.open_attachment()
        chunks.write(b"ciphertext of a file the reporter must send again")
        chunks.finish()
        assert name == "attachment-001.age"
        assert list(submissions(engine).values()) == ["staged"]
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM chunks").scalar_one() == 0


def test_a_failure_deletes_what_was_staged_and_goes_on(app: Flask) -> None:
    engine = engine_of(app)
    with pytest.raises(Refused), IncomingSubmission(engine, today=utc_today) as submission:
        submission.open_attachment()[1].write(b"part of an upload")
        raise Refused
    assert submissions(engine) == {}


def test_a_published_submission_is_kept(app: Flask, config: IntakeConfig) -> None:
    engine = engine_of(app)
    with IncomingSubmission(engine, today=utc_today) as submission:
        code = submission.publish(
            ReceivedForm(),
            answers={"narrative": "what happened"},
            language="en",
            recipients=config.recipients,
            pepper=config.receipt_pepper,
            receipt_cost=config.receipt_cost,
        )
    assert len(code.split()) == 7
    assert list(submissions(engine).values()) == ["published"]
