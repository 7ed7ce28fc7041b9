"""Retention: picked-up submissions and loaded replies are deleted once their time has passed."""

from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import Engine, delete, insert, select

from intake.db import truncate_wal, writing
from intake.delivery_claims import unclaimed
from intake.models import PICKED_UP, SKIPPED, ForgottenReply, Reply, Submission
from intake.pickup_lock import one_pickup_at_a_time
from intake.staging import collect_expired, delete_submission


def purge_picked_up(engine: Engine, *, today: date, retention_days: int) -> int:
    """Delete submissions picked up (or skipped) at least `retention_days` ago; return how many.

    One in a bundle on its way to a courier (sent again with `--again`, its claim
    live) is left for the next purge: its delivery would otherwise complete with
    nothing to mark, and the courier hold a bundle intake no longer knows of.
    Claims are taken only under the pickup lock, so none starts while it is held.
    """
    cutoff = today - timedelta(days=retention_days)
    with one_pickup_at_a_time(engine):
        with engine.connect() as connection:
            expired = (
                connection.execute(
                    select(Submission.id).where(
                        Submission.state.in_((PICKED_UP, SKIPPED)),
                        Submission.picked_up_day <= cutoff,
                        unclaimed(int(time.time())),
                    )
                )
                .scalars()
                .all()
            )
        for submission_id in expired:
            # Its replies go with it (ON DELETE CASCADE): no reply outlives its case.
            delete_submission(engine, submission_id=submission_id)
    purge_old_replies(engine, today=today, retention_days=retention_days)
    # Staged leftovers whose lease ran out are collected here too (every running
    # intake process also does it, intake/leases.py).
    collect_expired(engine, now=int(time.time()))
    # Deleted is not gone until the WAL frames that held the rows are gone too.
    truncate_wal(engine)
    return len(expired)


def purge_old_replies(engine: Engine, *, today: date, retention_days: int) -> int:
    """Delete replies loaded at least `retention_days` ago; return how many.

    Their ids are kept, with nothing else, while their case is kept
    (ForgottenReply): a held-back or re-sent copy of their bundle is refused,
    so the reporter never reads a reply retention deleted.
    """
    cutoff = today - timedelta(days=retention_days)
    old = Reply.loaded_day <= cutoff
    # Replies are at most 64 KiB each, so one transaction stays short.
    with writing(engine) as connection:
        connection.execute(
            insert(ForgottenReply).from_select(
                ["id", "submission_id"], select(Reply.id, Reply.submission_id).where(old)
            )
        )
        deleted = connection.execute(delete(Reply).where(old)).rowcount
    return int(deleted)
