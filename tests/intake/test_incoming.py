"""The incoming submission owns its staged rows: created when needed, published or deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

import keys
from intake.config import IntakeConfig
from intake.days import utc_today
from intake.derivation_gate import DerivationGate
from intake.incoming import IncomingSubmission
from intake.models import Submission
from intake.receiving import ReceivedAttachment, ReceivedForm
from intake.staging import FLUSH_BYTES
from tests.intake.storage import engine_of, leases_of, stored_files, submissions

NEW_YEARS_EVE = date(2031, 12, 31)


class Refused(Exception):
    """Stands for anything that ends a request before publication."""


def test_nothing_is_staged_before_something_is_stored(app: Flask) -> None:
    engine = engine_of(app)
    with IncomingSubmission(engine, today=utc_today, leases=leases_of(app)):
        assert submissions(engine) == {}
    assert submissions(engine) == {}


def test_leaving_unpublished_deletes_what_was_staged(app: Flask) -> None:
    """The way out of a form sent back for correction: no exception, no publication."""
    engine = engine_of(app)
    with IncomingSubmission(engine, today=utc_today, leases=leases_of(app)) as submission:
        name, chunks = submission.open_attachment()
        # Two batches: handing over the second waits for the first to be stored, so the
        # submission is staged, not yet published, and the second is still in flight.
        chunks.write(bytes(2 * FLUSH_BYTES))
        chunks.finish()
        assert name == "attachment-001.age"
        assert list(submissions(engine).values()) == ["staged"]
    assert submissions(engine) == {}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM chunks").scalar_one() == 0


def test_a_failure_deletes_what_was_staged_and_goes_on(app: Flask) -> None:
    engine = engine_of(app)
    leases = leases_of(app)
    with pytest.raises(Refused), IncomingSubmission(
        engine, today=utc_today, leases=leases
    ) as submission:
        submission.open_attachment()[1].write(b"part of an upload")
        raise Refused
    assert submissions(engine) == {}


def test_a_published_submission_is_kept(app: Flask, config: IntakeConfig) -> None:
    engine = engine_of(app)
    with IncomingSubmission(engine, today=utc_today, leases=leases_of(app)) as submission:
        code = submission.publish(
            ReceivedForm(),
            answers={"narrative": "what happened"},
            language="en",
            recipients=config.recipients,
            pepper=config.receipt_pepper,
            receipt_cost=config.receipt_cost,
            gate=DerivationGate(slots=2, checkbacks_per_minute=1),
        )
    assert len(code.split()) == 7
    assert list(submissions(engine).values()) == ["published"]


def a_day_passing_at_every_look() -> Iterator[date]:
    """A clock at midnight: each reading is a day later than the one before."""
    day = NEW_YEARS_EVE
    while True:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("with_file", [False, True], ids=["report-only", "with-attachment"])
def test_a_submission_has_one_day_however_often_the_clock_turns(
    app: Flask, config: IntakeConfig, reviewer: keys.X25519Identity, with_file: bool
) -> None:
    engine = engine_of(app)
    clock = a_day_passing_at_every_look()
    received = ReceivedForm()
    with IncomingSubmission(
        engine, today=lambda: next(clock), leases=leases_of(app)
    ) as submission:
        if with_file:
            name, chunks = submission.open_attachment()
            chunks.finish()
            received.attachments.append(
                ReceivedAttachment(name, "empty.txt", "text/plain", size=0, sha256="0" * 64)
            )
        submission.publish(
            received,
            answers={"narrative": "what happened"},
            language="en",
            recipients=config.recipients,
            pepper=config.receipt_pepper,
            receipt_cost=config.receipt_cost,
            gate=DerivationGate(slots=2, checkbacks_per_minute=1),
        )
    with engine.connect() as connection:
        ((submission_id, staged_day, received_day),) = connection.execute(
            select(Submission.id, Submission.staged_day, Submission.received_day)
        ).all()
    report = stored_files(engine, submission_id)["report.age"]
    document = json.loads(keys.decrypt(report, identities=[reviewer]))
    assert staged_day == received_day == NEW_YEARS_EVE
    assert document["received_day"] == NEW_YEARS_EVE.isoformat()
