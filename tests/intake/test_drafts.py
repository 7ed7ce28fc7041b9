"""The draft store: sealed by a key only the browser holds, read once, collected by its day."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from intake.db import make_engine
from intake.draft_seal import KEY_BYTES, DraftTicket
from intake.draft_store import KEEP_DAYS, collect_old_drafts, save_draft, take_draft
from intake.drafts import (
    ANSWER_CUT,
    LANGUAGE,
    MAX_FIELD_NAME_BYTES,
    REPORT_FORM,
    TOO_MANY_FILES,
    Draft,
    decode_draft,
    draft_bound,
    encode_draft,
)
from intake.errors import DraftRefused, DraftTooLarge
from intake.leases import LeaseKeeper
from intake.migrate import upgrade_to_head
from intake.models import StoredDraft
from intake.questionnaire import QUESTIONS
from intake.receiving import TEXT_TOTAL_FACTOR, Limits

TODAY = date(2031, 3, 4)
LIMITS = Limits(max_upload_bytes=1 << 20, max_files=3, max_text_chars=100)
BOUND = draft_bound(LIMITS)
STORY = "They phoned my mother in Kashgar. ئۇلار ئانامغا تېلېفون قىلدى. 𝄞"
DRAFT = Draft(
    form=REPORT_FORM,
    reason=ANSWER_CUT,
    fields=(("narrative", STORY), ("categories", "threats"), ("categories", "family"),
            ("city", ""), ("lone", "\ud800")),
    file_names=("scan.pdf", "voice note.m4a"),
    files_dropped=True,
    cut_fields=("narrative",),
)  # fmt: skip


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'drafts.sqlite3'}")
    upgrade_to_head(engine)
    return engine


def _rows(engine: Engine) -> list[tuple[str, date, bytes]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(  # type: ignore[misc]
            select(StoredDraft.id, StoredDraft.made_day, StoredDraft.sealed)).all()]  # fmt: skip


def test_a_draft_round_trips_through_its_encoding() -> None:
    assert decode_draft(encode_draft(DRAFT)) == DRAFT
    empty = Draft(form=REPORT_FORM, reason=LANGUAGE, fields=())
    assert decode_draft(encode_draft(empty)) == empty


@pytest.mark.parametrize("cut", [0, 1, 5, 40], ids=lambda n: f"cut-{n}")
def test_a_truncated_or_padded_encoding_is_refused(cut: int) -> None:
    encoded = encode_draft(DRAFT)
    with pytest.raises(DraftRefused):
        decode_draft(encoded[: len(encoded) - cut - 1])
    with pytest.raises(DraftRefused):
        decode_draft(encoded + b"\x00" * (cut + 1))


def test_a_count_beyond_the_end_is_refused_without_looping() -> None:
    header = encode_draft(Draft(form=REPORT_FORM, reason=LANGUAGE, fields=()))
    forged = header[: -12] + (0xFFFFFFFF).to_bytes(4, "big")
    with pytest.raises(DraftRefused):
        decode_draft(forged)


def test_a_saved_draft_is_read_once_and_its_row_holds_only_ciphertext(engine: Engine) -> None:
    ticket = save_draft(engine, DRAFT, today=TODAY, bound=BOUND)
    [(draft_id, made_day, sealed)] = _rows(engine)
    assert (draft_id, made_day) == (ticket.draft_id, TODAY)
    # Neither the answers nor the key are in the row, in any encoding a reader might try.
    for secret in ("Kashgar", "scan.pdf", "threats"):
        assert secret.encode("utf-8") not in sealed and secret.encode("utf-16-le") not in sealed
    assert ticket.key not in sealed
    assert take_draft(engine, DraftTicket.parse(str(ticket)), bound=BOUND) == DRAFT
    assert _rows(engine) == []
    with pytest.raises(DraftRefused):
        take_draft(engine, ticket, bound=BOUND)


def test_a_forged_ticket_opens_nothing_and_uses_up_the_draft_it_names(engine: Engine) -> None:
    ticket = save_draft(engine, DRAFT, today=TODAY, bound=BOUND)
    other_key = DraftTicket(draft_id=ticket.draft_id, key=bytes(KEY_BYTES))
    with pytest.raises(DraftRefused):
        take_draft(engine, other_key, bound=BOUND)
    assert _rows(engine) == []
    with pytest.raises(DraftRefused):
        take_draft(engine, ticket, bound=BOUND)


def test_a_key_presented_with_another_drafts_id_opens_nothing(engine: Engine) -> None:
    first = save_draft(engine, DRAFT, today=TODAY, bound=BOUND)
    second = save_draft(engine, DRAFT, today=TODAY, bound=BOUND)
    swapped = DraftTicket(draft_id=second.draft_id, key=first.key)
    with pytest.raises(DraftRefused):
        take_draft(engine, swapped, bound=BOUND)
    assert take_draft(engine, first, bound=BOUND) == DRAFT


def test_an_altered_row_is_refused(engine: Engine) -> None:
    ticket = save_draft(engine, DRAFT, today=TODAY, bound=BOUND)
    [(_, _, sealed)] = _rows(engine)
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with engine.begin() as connection:
        connection.execute(update(StoredDraft).values(sealed=altered))
    with pytest.raises(DraftRefused):
        take_draft(engine, ticket, bound=BOUND)


@pytest.mark.parametrize("token", [
    "", "d1", "d1..", "d2.00000000000000000000000000000000.AAAA",
    "d1.0000000000000000000000000000000G." + "A" * 43,
    "d1.00000000000000000000000000000000." + "A" * 42,
    "d1.00000000000000000000000000000000.é",
    "d1.00000000000000000000000000000000.!!!!",
])  # fmt: skip
def test_a_malformed_ticket_is_refused(token: str) -> None:
    with pytest.raises(DraftRefused):
        DraftTicket.parse(token)


def test_a_ticket_round_trips_through_its_cookie_value() -> None:
    ticket = DraftTicket.new()
    assert DraftTicket.parse(str(ticket)) == ticket
    assert len(base64.urlsafe_b64decode(str(ticket).split(".")[2] + "=")) == KEY_BYTES


def test_a_draft_past_the_bound_is_not_stored(engine: Engine) -> None:
    fields = (("narrative", "x" * BOUND),)
    with pytest.raises(DraftTooLarge):
        save_draft(engine, Draft(form=REPORT_FORM, reason=LANGUAGE, fields=fields), today=TODAY,
                   bound=BOUND)  # fmt: skip
    assert _rows(engine) == []


def test_the_bound_holds_the_largest_draft_the_limits_allow() -> None:
    # Every value at its limit in four-byte characters, every name as long as the
    # form's longest, as many files as allowed plus the one refused, all names at most.
    longest = max(len(question.name.encode()) for question in QUESTIONS)
    assert longest <= MAX_FIELD_NAME_BYTES
    value = "𝄞" * LIMITS.max_text_chars
    fields = tuple(("n" * longest, value) for _ in range(TEXT_TOTAL_FACTOR))
    files = tuple("𝄞" * 255 for _ in range(LIMITS.max_files + 1))
    largest = Draft(form=REPORT_FORM, reason=TOO_MANY_FILES, fields=fields, file_names=files)
    assert len(encode_draft(largest)) <= BOUND


def test_unread_drafts_are_collected_after_their_next_day(engine: Engine) -> None:
    old = save_draft(engine, DRAFT, today=TODAY - timedelta(days=KEEP_DAYS + 1), bound=BOUND)
    yesterday = save_draft(engine, DRAFT, today=TODAY - timedelta(days=KEEP_DAYS), bound=BOUND)
    assert collect_old_drafts(engine, today=TODAY) == 1
    with pytest.raises(DraftRefused):
        take_draft(engine, old, bound=BOUND)
    assert take_draft(engine, yesterday, bound=BOUND) == DRAFT


def test_the_lease_keepers_round_collects_old_drafts(engine: Engine) -> None:
    save_draft(engine, DRAFT, today=TODAY - timedelta(days=KEEP_DAYS + 1), bound=BOUND)
    kept = save_draft(engine, DRAFT, today=TODAY, bound=BOUND)
    LeaseKeeper(engine, today=lambda: TODAY, background=False).renew_and_collect()
    assert [row[0] for row in _rows(engine)] == [kept.draft_id]


@pytest.mark.postgres
def test_a_draft_saved_by_one_node_is_read_once_by_another(database_url: str) -> None:
    one, two = make_engine(database_url), make_engine(database_url)
    try:
        upgrade_to_head(one)
        ticket = save_draft(one, DRAFT, today=TODAY, bound=BOUND)
        assert take_draft(two, ticket, bound=BOUND) == DRAFT
        with pytest.raises(DraftRefused):
            take_draft(one, ticket, bound=BOUND)
    finally:
        one.dispose()
        two.dispose()
