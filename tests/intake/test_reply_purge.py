"""Retention of replies: purged when old, and with their case."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.models import Reply
from intake.pickup import write_pickup_bundle
from intake.purge import purge_picked_up
from keys.signing import SigningKey
from tests.intake.reply_bundles import ReplyBundle, deliver, reply_recipient, submit_report
from tests.intake.storage import engine_of, submissions

LOADED = date(2031, 1, 2)  # the day tests.intake.reply_bundles.deliver loads on


def reply_ids(app: Flask) -> list[str]:
    with engine_of(app).connect() as connection:
        return list(connection.execute(select(Reply.id)).scalars())


def test_replies_past_retention_are_purged_and_younger_ones_kept(
    app: Flask, client: FlaskClient, data_dir: Path, tmp_path: Path
) -> None:
    submit_report(client)
    (case,) = submissions(engine_of(app))
    bundle = ReplyBundle(SigningKey.generate())
    bundle.add(reply_recipient(engine_of(app), case), case, text="old")
    deliver(engine_of(app), data_dir, bundle, tmp_path / "r.tar")
    purge_picked_up(engine_of(app), today=LOADED + timedelta(days=13), retention_days=14)
    assert len(reply_ids(app)) == 1
    purge_picked_up(engine_of(app), today=LOADED + timedelta(days=14), retention_days=14)
    assert reply_ids(app) == []
    # The case itself was never picked up, so it stays.
    assert list(submissions(engine_of(app))) == [case]


def test_replies_go_with_their_purged_case(
    app: Flask, client: FlaskClient, data_dir: Path, tmp_path: Path
) -> None:
    submit_report(client)
    (case,) = submissions(engine_of(app))
    bundle = ReplyBundle(SigningKey.generate())
    bundle.add(reply_recipient(engine_of(app), case), case, text="young")
    deliver(engine_of(app), data_dir, bundle, tmp_path / "r.tar")
    write_pickup_bundle(
        engine_of(app),
        tmp_path / "p.tar",
        today=date(2030, 12, 1),
        signing_key=SigningKey.generate(),
    )
    # The case is past retention; its reply is not, yet goes with it.
    purge_picked_up(engine_of(app), today=LOADED + timedelta(days=1), retention_days=14)
    assert submissions(engine_of(app)) == {}
    assert reply_ids(app) == []
