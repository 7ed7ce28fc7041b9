"""Retention: picked-up submissions are deleted once their retention period has passed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select

from intake.models import PICKED_UP, SKIPPED, Submission
from intake.staging import collect_stale, delete_submission


def purge_picked_up(engine: Engine, *, today: date, retention_days: int) -> int:
    """Delete submissions picked up (or skipped) at least `retention_days` ago; return how many."""
    cutoff = today - timedelta(days=retention_days)
    with engine.connect() as connection:
        expired = connection.execute(
            select(Submission.id).where(
                Submission.state.in_((PICKED_UP, SKIPPED)), Submission.picked_up_day <= cutoff
            )
        ).scalars().all()
    for submission_id in expired:
        delete_submission(engine, submission_id=submission_id)
    # Staged leftovers of uploads that died are collected on the same schedule.
    collect_stale(engine, today=today)
    return len(expired)
