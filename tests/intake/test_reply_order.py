"""The reporter reads replies in the order review wrote them, whatever order they were loaded in."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.replies import VERSION_UNNUMBERED
from intake.checkback import FoundCase, find_case, read_case
from intake.errors import ReplyBundleRefused
from keys.signing import SigningKey
from tests.intake.reply_bundles import (
    PlannedReply,
    ReplyBundle,
    deliver,
    encrypt_reply,
    reply_document,
    reply_recipient,
    submit_report,
)
from tests.intake.storage import engine_of


@pytest.fixture
def found(app: Flask, client: FlaskClient) -> FoundCase:
    """A published report, found with its receipt code as the check-back page finds it."""
    state = app.extensions["haven_intake"]
    code = submit_report(client)
    case = find_case(
        state.engine,
        code,
        pepper=state.config.receipt_pepper,
        cost=state.config.receipt_cost,
        gate=state.gate,
    )
    assert case is not None
    return case


def shown(app: Flask, found: FoundCase) -> tuple[list[tuple[str | None, str]], str | None]:
    opened = read_case(engine_of(app), case_id=found.case_id, identity=found.reply_identity)
    assert opened is not None
    return [(reply.status, reply.text) for reply in opened.replies], opened.status


def test_a_bundle_loaded_late_takes_its_place_among_its_signers_replies(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase
) -> None:
    alice = SigningKey.generate()
    recipient = reply_recipient(engine_of(app), found.case_id)
    first = ReplyBundle(alice, sequence=1)
    first.add(recipient, found.case_id, text="Please send the photo of the letter")
    second = ReplyBundle(alice, sequence=2)
    second.add(recipient, found.case_id, status="reading", text="We are reading it")
    deliver(engine_of(app), data_dir, second, tmp_path / "2.tar")
    deliver(engine_of(app), data_dir, first, tmp_path / "1.tar")
    assert shown(app, found) == (
        [(None, "Please send the photo of the letter"), ("reading", "We are reading it")],
        "reading",
    )


def test_the_status_written_last_is_current_whichever_signer_was_loaded_last(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase
) -> None:
    recipient = reply_recipient(engine_of(app), found.case_id)
    alice = ReplyBundle(SigningKey.generate(), sequence=3)
    alice.add(recipient, found.case_id, status="reading", text="still reading")
    bob = ReplyBundle(SigningKey.generate(), sequence=1)
    bob.add(recipient, found.case_id, status="closed", text="We have closed your report")
    deliver(engine_of(app), data_dir, bob, tmp_path / "bob.tar")
    deliver(engine_of(app), data_dir, alice, tmp_path / "alice.tar")
    replies, status = shown(app, found)
    assert status == "closed"
    assert replies == [("reading", "still reading"), ("closed", "We have closed your report")]


def test_version_1_replies_are_still_read_first_in_the_order_loaded(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase
) -> None:
    recipient = reply_recipient(engine_of(app), found.case_id)
    numbered = ReplyBundle(SigningKey.generate())
    numbered.add(recipient, found.case_id, status="closed", text="numbered")
    old = ReplyBundle(SigningKey.generate(), version=VERSION_UNNUMBERED)
    old.add(recipient, found.case_id, status="received", text="old one", unnumbered=True)
    old.add(recipient, found.case_id, text="old two", unnumbered=True)
    deliver(engine_of(app), data_dir, numbered, tmp_path / "numbered.tar")
    deliver(engine_of(app), data_dir, old, tmp_path / "old.tar")
    assert shown(app, found) == (
        [("received", "old one"), (None, "old two"), ("closed", "numbered")],
        "closed",
    )


@pytest.mark.parametrize(
    ("version", "number"),
    [(2, 0), (2, -1), (2, True), (2, "1"), (2, 1.5), (2, None), (1, 3)],
)
def test_a_document_with_a_bad_number_is_not_shown(
    app: Flask,
    data_dir: Path,
    tmp_path: Path,
    found: FoundCase,
    version: int,
    number: object,
) -> None:
    recipient = reply_recipient(engine_of(app), found.case_id)
    bundle = ReplyBundle(SigningKey.generate())
    bundle.add(recipient, found.case_id, text="a good one")
    reply_id = secrets.token_hex(16)
    document = reply_document(reply_id, found.case_id, status="closed", text="bad", number=7)
    document.update(version=version, number=number)
    bundle.replies.append(PlannedReply(reply_id, found.case_id, encrypt_reply(document, recipient)))
    deliver(engine_of(app), data_dir, bundle, tmp_path / "bad.tar")
    assert shown(app, found) == ([(None, "a good one")], None)


def test_a_restored_workspace_reusing_a_number_is_read_after_what_it_was_restored_over(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase
) -> None:
    # Replies 1 to 3 were sent; the workspace was restored from a backup holding only
    # reply 1, so its next reply is numbered 2 again, on a later day.
    recipient = reply_recipient(engine_of(app), found.case_id)
    before = ReplyBundle(SigningKey.generate())
    for number, status in enumerate(("received", "reading", "closed"), start=1):
        before.add(
            recipient,
            found.case_id,
            status=status,
            text=f"reply {number}",
            number=number,
            written_day=f"2031-01-0{number}",
        )
    restored = ReplyBundle(SigningKey.generate())
    restored.add(
        recipient,
        found.case_id,
        status="reading",
        text="reopened",
        number=2,
        written_day="2031-01-05",
    )
    # Whichever was loaded first, the reply written last is read last and is the status.
    deliver(engine_of(app), data_dir, restored, tmp_path / "restored.tar")
    deliver(engine_of(app), data_dir, before, tmp_path / "before.tar")
    assert shown(app, found) == (
        [
            ("received", "reply 1"),
            ("reading", "reply 2"),
            ("closed", "reply 3"),
            ("reading", "reopened"),
        ],
        "reading",
    )


@pytest.mark.parametrize("restored_first", [True, False])
def test_equal_days_and_numbers_are_read_in_reply_id_order_however_loaded(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase, restored_first: bool
) -> None:
    recipient = reply_recipient(engine_of(app), found.case_id)
    one, two = ReplyBundle(SigningKey.generate()), ReplyBundle(SigningKey.generate())
    one.add(recipient, found.case_id, status="closed", text="one", number=2, reply_id="f" * 32)
    two.add(recipient, found.case_id, status="reading", text="two", number=2, reply_id="0" * 32)
    bundles = [(one, "one.tar"), (two, "two.tar")]
    for bundle, name in bundles if restored_first else reversed(bundles):
        deliver(engine_of(app), data_dir, bundle, tmp_path / name)
    assert shown(app, found) == ([("reading", "two"), ("closed", "one")], "closed")


@pytest.mark.parametrize("written_day", [None, 20310102, "2031-1-2", "20310102", "2031-02-30"])
def test_a_numbered_document_without_a_day_it_was_written_is_not_shown(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase, written_day: object
) -> None:
    recipient = reply_recipient(engine_of(app), found.case_id)
    bundle = ReplyBundle(SigningKey.generate())
    bundle.add(recipient, found.case_id, text="a good one")
    reply_id = secrets.token_hex(16)
    document = reply_document(reply_id, found.case_id, status="closed", text="bad", number=7)
    document["written_day"] = written_day
    bundle.replies.append(PlannedReply(reply_id, found.case_id, encrypt_reply(document, recipient)))
    deliver(engine_of(app), data_dir, bundle, tmp_path / "bad.tar")
    assert shown(app, found) == ([(None, "a good one")], None)


def test_one_signers_version_1_bundles_load_only_in_the_order_written(
    app: Flask, data_dir: Path, tmp_path: Path, found: FoundCase
) -> None:
    # Unnumbered replies are read in the order loaded: a transfer machine handing over
    # sequence 2 before 1 must not make "reading" the status after "closed".
    alice = SigningKey.generate()
    recipient = reply_recipient(engine_of(app), found.case_id)
    first = ReplyBundle(alice, sequence=1, version=VERSION_UNNUMBERED)
    first.add(recipient, found.case_id, status="reading", text="first", unnumbered=True)
    second = ReplyBundle(alice, sequence=2, version=VERSION_UNNUMBERED)
    second.add(recipient, found.case_id, status="closed", text="second", unnumbered=True)
    deliver(engine_of(app), data_dir, second, tmp_path / "2.tar")
    with pytest.raises(ReplyBundleRefused, match="version 1 bundle, not above 2"):
        deliver(engine_of(app), data_dir, first, tmp_path / "1.tar")
    assert shown(app, found) == ([("closed", "second")], "closed")
    # Sent again by an upgraded review, numbered (version 2), it loads late.
    again = ReplyBundle(alice, sequence=1)
    again.add(
        recipient, found.case_id, status="reading", text="first", number=1, written_day="2031-01-01"
    )
    deliver(engine_of(app), data_dir, again, tmp_path / "again.tar")
    assert [text for _, text in shown(app, found)[0]] == ["second", "first"]
