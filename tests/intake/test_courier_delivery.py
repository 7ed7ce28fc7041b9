"""A courier download claims its submissions: no other pickup bundles them meanwhile.

On SQLite and on PostgreSQL. The download is read through the test client a
piece at a time (`buffered=False`), so other pickups run while it is under way.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import argon2
import pyotp
import pytest
from flask import Flask
from sqlalchemy import select, text
from werkzeug.test import TestResponse

import intake.courier_credentials
import intake.courier_delivery
import keys
from contracts import courier as contract
from intake import create_app
from intake.config import load_config
from intake.courier_audit import courier_uses
from intake.courier_credentials import NewCourier, add_courier
from intake.delivery_claims import CLAIM_SECONDS
from intake.errors import PickupError
from intake.models import Submission
from intake.pickup import skip_submission, write_pickup_bundle
from intake.pickup_key import load_pickup_signing_key
from intake.purge import purge_picked_up
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.intake.reply_bundles import submit_report
from tests.intake.storage import engine_of, submissions

TODAY = date(2026, 12, 2)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def courier_app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    reviewer: keys.X25519Identity,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    """An intake app with the courier on, and one published submission waiting."""
    # Cheap courier tokens: what is tested is the claim, not the hash's cost.
    monkeypatch.setattr(
        intake.courier_credentials,
        "TOKEN_HASHER",
        argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=argon2.Type.ID),
    )
    # Many reads for a small bundle, as a large one has at 1 MiB a read.
    monkeypatch.setattr(intake.courier_delivery, "READ_SIZE", 512)
    environ = {"HAVEN_PLAIN_HTTP": "1"}
    if request.param == "postgresql":
        url = request.getfixturevalue("database_url")
        data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())], url)
        environ["HAVEN_DATABASE_URL"] = url
    else:
        data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())])
    environ["HAVEN_DATA_DIR"] = str(data_dir)
    config = dataclasses.replace(load_config(environ), receipt_cost=FAST_RECEIPT_COST, courier=True)
    app = create_app(config)
    submit_report(app.test_client(), "on its way to a courier")
    yield app
    app.extensions["haven_intake"].leases.stop()
    engine_of(app).dispose()


def new_courier(app: Flask, name: str) -> NewCourier:
    state = app.extensions["haven_intake"]
    return add_courier(state.engine, name, secret_key=state.config.secret_key, today=TODAY)


def start_download(
    app: Flask, courier: NewCourier, *, again: str | None = None
) -> tuple[TestResponse, Iterator[bytes], bytes]:
    """A courier fetch (of `again` only, if given) that has received its first bytes."""
    answer = app.test_client().get(
        contract.PICKUP_PATH,
        query_string={contract.AGAIN_PARAMETER: again} if again else None,
        headers={
            contract.CREDENTIAL_HEADER: courier.credential,
            contract.TOTP_HEADER: pyotp.parse_uri(courier.totp_uri).now(),
        },
        buffered=False,
    )
    assert answer.status_code == 200
    pieces = iter(answer.response)
    return answer, pieces, next(pieces)


def cli_pickup(app: Flask, out: Path, *, clock: float | None = None) -> int:
    """`haven intake pickup`, as the CLI runs it (optionally at another time)."""
    state = app.extensions["haven_intake"]
    key = load_pickup_signing_key(state.config.data_dir)
    if clock is None:
        return write_pickup_bundle(state.engine, out, today=TODAY, signing_key=key).submissions
    return write_pickup_bundle(
        state.engine, out, today=TODAY, signing_key=key, clock=lambda: clock
    ).submissions


def bundled_ids(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return [entry["id"] for entry in json.load(member)["submissions"]]


def claims(app: Flask) -> list[tuple[str | None, int | None]]:
    with engine_of(app).connect() as connection:
        rows = connection.execute(select(Submission.delivery, Submission.delivery_expires))
        return [(row.delivery, row.delivery_expires) for row in rows]


def test_no_other_pickup_bundles_what_a_courier_is_downloading(
    courier_app: Flask, tmp_path: Path
) -> None:
    # /tmp/review-replies/courier_pickup_twice.py: the CLI pickup run during the download
    # bundled the same submission the courier was receiving.
    (waiting,) = submissions(engine_of(courier_app))
    answer, pieces, first = start_download(courier_app, new_courier(courier_app, "alice"))
    assert cli_pickup(courier_app, tmp_path / "cli.tar") == 0
    assert not (tmp_path / "cli.tar").exists()
    # Nor does a second courier's fetch.
    other = new_courier(courier_app, "bob")
    second = courier_app.test_client().get(
        contract.PICKUP_PATH,
        headers={
            contract.CREDENTIAL_HEADER: other.credential,
            contract.TOTP_HEADER: pyotp.parse_uri(other.totp_uri).now(),
        },
    )
    assert second.status_code == contract.NOTHING_NEW
    data = first + b"".join(pieces)
    answer.close()
    assert len(data) == int(answer.headers["Content-Length"])
    assert bundled_ids(data) == [waiting]
    assert submissions(engine_of(courier_app)) == {waiting: "picked_up"}
    assert claims(courier_app) == [(None, None)], "no time finer than the day is left"
    assert cli_pickup(courier_app, tmp_path / "after.tar") == 0


def test_a_skip_during_a_download_stays_skipped(courier_app: Flask) -> None:
    (waiting,) = submissions(engine_of(courier_app))
    answer, pieces, first = start_download(courier_app, new_courier(courier_app, "alice"))
    skip_submission(engine_of(courier_app), waiting, today=TODAY)
    data = first + b"".join(pieces)
    answer.close()
    assert bundled_ids(data) == [waiting]
    assert submissions(engine_of(courier_app)) == {waiting: "skipped"}


def test_a_download_cut_short_releases_its_claim_at_once(
    courier_app: Flask, tmp_path: Path
) -> None:
    (waiting,) = submissions(engine_of(courier_app))
    answer, _pieces, _first = start_download(courier_app, new_courier(courier_app, "alice"))
    answer.close()  # the courier hangs up
    assert submissions(engine_of(courier_app)) == {waiting: "published"}
    assert claims(courier_app) == [(None, None)]
    assert [use.action for use in courier_uses(engine_of(courier_app))] == ["interrupted"]
    assert cli_pickup(courier_app, tmp_path / "next.tar") == 1


def test_a_claim_left_by_a_killed_process_runs_out(courier_app: Flask, tmp_path: Path) -> None:
    state = courier_app.extensions["haven_intake"]
    key = load_pickup_signing_key(state.config.data_dir)
    start = 2_000_000_000.0
    # A courier's bundle written and claimed, and then its process dies: nothing completes
    # or releases the claim.
    claimed = write_pickup_bundle(
        state.engine, tmp_path / "dead.tar", today=TODAY, signing_key=key,
        delivery="a-delivery-that-died", clock=lambda: start,
    )  # fmt: skip
    assert claimed.submissions == 1
    assert cli_pickup(courier_app, tmp_path / "live.tar", clock=start + CLAIM_SECONDS - 1) == 0
    assert cli_pickup(courier_app, tmp_path / "free.tar", clock=start + CLAIM_SECONDS) == 1
    assert set(submissions(state.engine).values()) == {"picked_up"}


def test_a_download_whose_claim_was_taken_never_sends_its_last_bytes(
    courier_app: Flask, tmp_path: Path
) -> None:
    (waiting,) = submissions(engine_of(courier_app))
    answer, pieces, first = start_download(courier_app, new_courier(courier_app, "alice"))
    # The download pauses past its claim, and a pickup takes the submission.
    (claim,) = claims(courier_app)
    assert claim[1] is not None
    assert cli_pickup(courier_app, tmp_path / "cli.tar", clock=claim[1]) == 1
    data = first + b"".join(pieces)
    answer.close()
    assert len(data) < int(answer.headers["Content-Length"]), "the courier keeps nothing"
    assert bundled_ids((tmp_path / "cli.tar").read_bytes()) == [waiting]
    assert submissions(engine_of(courier_app)) == {waiting: "picked_up"}
    (use,) = courier_uses(engine_of(courier_app))
    assert use.action == "interrupted" and "went in another bundle" in use.detail


def test_a_pickup_killed_before_it_marked_holds_nothing_up(
    courier_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pickup that writes and marks under the lock claims only for as long as it holds it:
    killed after writing its bundle (here, as it marks), the next pickup takes the
    submission at once, not CLAIM_SECONDS later."""
    import intake.pickup

    def killed(*_args: object, **_kwargs: object) -> int:
        raise SystemExit("killed")

    start = 2_000_000_000.0
    with monkeypatch.context() as patched:
        patched.setattr(intake.pickup, "mark_all_delivered", killed)
        with pytest.raises(SystemExit):
            cli_pickup(courier_app, tmp_path / "killed.tar", clock=start)
    assert cli_pickup(courier_app, tmp_path / "next.tar", clock=start) == 1
    assert set(submissions(engine_of(courier_app)).values()) == {"picked_up"}


def end_pickup_lock_session(app: Flask) -> None:
    """End the PostgreSQL session holding the pickup lock, as idle_session_timeout would."""
    with engine_of(app).connect() as connection:
        holders = connection.scalars(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ).all()
        assert len(holders) == 1
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holders[0]})
        connection.commit()


@pytest.mark.parametrize(
    "courier_app", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_pickup_that_lost_its_lock_while_writing_publishes_nothing(
    courier_app: Flask, tmp_path: Path
) -> None:
    """Its session ended mid-bundle and another pickup took the submission at once:
    only that one's bundle is left, and the first pickup says it wrote nothing."""
    state = courier_app.extensions["haven_intake"]
    second: list[int] = []

    def lose_lock(written: int, _total: int) -> None:
        if written and not second:
            end_pickup_lock_session(courier_app)
            second.append(cli_pickup(courier_app, tmp_path / "second.tar"))

    with pytest.raises(PickupError, match="lost its lock"):
        write_pickup_bundle(
            state.engine,
            tmp_path / "first.tar",
            today=TODAY,
            signing_key=load_pickup_signing_key(state.config.data_dir),
            progress=lose_lock,
        )
    assert second == [1]
    assert not (tmp_path / "first.tar").exists()
    assert len(bundled_ids((tmp_path / "second.tar").read_bytes())) == 1
    assert set(submissions(engine_of(courier_app)).values()) == {"picked_up"}


@pytest.mark.parametrize(
    "courier_app", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_pickup_whose_submissions_were_taken_before_it_marked_them_withdraws_its_bundle(
    courier_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock lost after the last check, before the mark: the other pickup claims the
    submission first, so the first removes its published bundle and marks nothing."""
    import intake.pickup

    real_mark = intake.pickup.mark_all_delivered
    second: list[int] = []

    def taken_first(*args: Any, **kwargs: Any) -> bool:
        end_pickup_lock_session(courier_app)
        monkeypatch.setattr(intake.pickup, "mark_all_delivered", real_mark)
        second.append(cli_pickup(courier_app, tmp_path / "second.tar"))
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(intake.pickup, "mark_all_delivered", taken_first)
    with pytest.raises(PickupError, match="lost its lock"):
        cli_pickup(courier_app, tmp_path / "first.tar")
    assert second == [1]
    assert not (tmp_path / "first.tar").exists()
    assert len(bundled_ids((tmp_path / "second.tar").read_bytes())) == 1
    assert set(submissions(engine_of(courier_app)).values()) == {"picked_up"}


def test_purge_leaves_a_submission_a_courier_is_downloading_again(
    courier_app: Flask, tmp_path: Path
) -> None:
    """Past its retention, but in a bundle on its way with `--again`: the purge leaves it,
    the delivery marks it picked up, and the next purge past its new retention deletes it."""
    (waiting,) = submissions(engine_of(courier_app))
    assert cli_pickup(courier_app, tmp_path / "first.tar") == 1
    answer, pieces, first = start_download(
        courier_app, new_courier(courier_app, "alice"), again=waiting
    )
    later = TODAY + timedelta(days=40)
    assert purge_picked_up(engine_of(courier_app), today=later, retention_days=30) == 0
    data = first + b"".join(pieces)
    answer.close()
    assert bundled_ids(data) == [waiting]
    assert submissions(engine_of(courier_app)) == {waiting: "picked_up"}
    assert "skipped meanwhile" not in courier_uses(engine_of(courier_app))[-1].detail
    assert purge_picked_up(engine_of(courier_app), today=later, retention_days=30) == 1


def test_the_trail_says_when_a_delivery_marked_fewer_than_it_sent(courier_app: Flask) -> None:
    """Skipped during the download: the bundle went, and the trail says one stayed skipped."""
    (waiting,) = submissions(engine_of(courier_app))
    answer, pieces, _first = start_download(courier_app, new_courier(courier_app, "alice"))
    skip_submission(engine_of(courier_app), waiting, today=TODAY)
    b"".join(pieces)
    answer.close()
    (use,) = courier_uses(engine_of(courier_app))
    assert use.action == "pickup"
    assert use.detail.endswith("; 1 of them skipped meanwhile, left skipped")


def test_a_head_request_for_a_pickup_claims_nothing(courier_app: Flask, tmp_path: Path) -> None:
    """HEAD runs no body: refused before anything is bundled, so nothing waits on a claim."""
    courier = new_courier(courier_app, "alice")
    answer = courier_app.test_client().head(
        contract.PICKUP_PATH,
        headers={
            contract.CREDENTIAL_HEADER: courier.credential,
            contract.TOTP_HEADER: pyotp.parse_uri(courier.totp_uri).now(),
        },
    )
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert claims(courier_app) == [(None, None)]
    assert cli_pickup(courier_app, tmp_path / "next.tar") == 1


def test_a_download_closed_before_its_first_byte_releases_its_claim(
    courier_app: Flask, tmp_path: Path
) -> None:
    """A server closes a response it never iterated (as for HEAD): the claim goes with it."""
    (waiting,) = submissions(engine_of(courier_app))
    courier = new_courier(courier_app, "alice")
    headers = {
        contract.CREDENTIAL_HEADER: courier.credential,
        contract.TOTP_HEADER: pyotp.parse_uri(courier.totp_uri).now(),
    }
    with courier_app.test_request_context(contract.PICKUP_PATH, headers=headers):
        answer = courier_app.full_dispatch_request()
    assert answer.status_code == 200
    answer.close()  # not one byte asked for
    assert submissions(engine_of(courier_app)) == {waiting: "published"}
    assert claims(courier_app) == [(None, None)]
    assert [use.action for use in courier_uses(engine_of(courier_app))] == ["interrupted"]
    assert cli_pickup(courier_app, tmp_path / "next.tar") == 1


def test_a_download_whose_submission_went_in_another_bundle_between_two_skips_is_cut(
    courier_app: Flask, tmp_path: Path
) -> None:
    """Skipped, sent again whole by the CLI, skipped again, all during one download: the
    download's last bytes never go, so only one whole bundle carries the submission."""
    (waiting,) = submissions(engine_of(courier_app))
    state = courier_app.extensions["haven_intake"]
    answer, pieces, first = start_download(courier_app, new_courier(courier_app, "alice"))
    skip_submission(state.engine, waiting, today=TODAY)
    assert (
        write_pickup_bundle(
            state.engine,
            tmp_path / "again.tar",
            today=TODAY,
            signing_key=load_pickup_signing_key(state.config.data_dir),
            again=[waiting],
        ).submissions
        == 1
    )
    skip_submission(state.engine, waiting, today=TODAY)
    data = first + b"".join(pieces)
    answer.close()
    assert len(data) < int(answer.headers["Content-Length"])
    assert submissions(engine_of(courier_app)) == {waiting: "skipped"}
    assert claims(courier_app) == [(None, None)]
    assert [use.action for use in courier_uses(engine_of(courier_app))] == ["interrupted"]


def test_a_skip_while_the_cli_writes_its_bundle_leaves_it_skipped(
    courier_app: Flask, tmp_path: Path
) -> None:
    """Set aside mid-bundle: the bundle is still published, and the submission stays skipped."""
    (waiting,) = submissions(engine_of(courier_app))
    state = courier_app.extensions["haven_intake"]

    def skip_once(written: int, _total: int) -> None:
        if written and submissions(state.engine)[waiting] != "skipped":
            skip_submission(state.engine, waiting, today=TODAY)

    picked = write_pickup_bundle(
        state.engine,
        tmp_path / "bundle.tar",
        today=TODAY,
        signing_key=load_pickup_signing_key(state.config.data_dir),
        progress=skip_once,
    )
    assert picked.submissions == 1
    assert bundled_ids((tmp_path / "bundle.tar").read_bytes()) == [waiting]
    assert submissions(engine_of(courier_app)) == {waiting: "skipped"}
    assert claims(courier_app) == [(None, None)]


def test_a_skip_between_the_claim_and_the_read_is_left_out_of_the_bundle(
    courier_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipped after the pickup claimed it but before it read what it claimed: the skip
    keeps the claim's mark, and the bundle is read by what the claim still holds (the
    third review's skip_between_claim_and_read.py)."""
    import intake.pickup

    state = courier_app.extensions["haven_intake"]
    client = courier_app.test_client()
    submit_report(client)
    first, second = sorted(submissions(state.engine))
    read = intake.pickup._selected

    def skipped_first(*args: Any, **kwargs: Any) -> Any:
        skip_submission(state.engine, first, today=TODAY)  # `haven intake skip` lands here
        return read(*args, **kwargs)

    monkeypatch.setattr(intake.pickup, "_selected", skipped_first)
    picked = cli_pickup(courier_app, tmp_path / "bundle.tar")
    assert picked == 1
    assert bundled_ids((tmp_path / "bundle.tar").read_bytes()) == [second]
    assert submissions(state.engine) == {first: "skipped", second: "picked_up"}
