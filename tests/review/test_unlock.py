"""Unlock pieces: identity files, reviewer matching, the throttle, the vault."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import keys
from review.casefile.library import CaseLibrary
from review.casefile.related import RelatedIndex
from review.casefile.search import SearchIndex
from review.errors import UnlockError
from review.session.unlock import (
    MAX_THROTTLED_FILES,
    Throttle,
    identity_file_id,
    match_reviewer,
    open_identities,
)
from review.session.vault import ReviewerSession, Vault
from review.workspace.models import Reviewer as ReviewerRow
from tests.review.reviewers import CHEAP_WORK_FACTOR, PASSPHRASE, Reviewer
from tests.support import wait_until


def _open(data: bytes, passphrase: str = PASSPHRASE) -> list[keys.Identity]:
    return open_identities(data, passphrase=passphrase, min_work_factor=CHEAP_WORK_FACTOR)


def test_open_and_match_keeps_only_the_matching_identity(alice: Reviewer, bob: Reviewer,
                                                         tmp_path: Path) -> None:
    stranger = keys.X25519Identity.generate()
    path = tmp_path / "two.age"
    keys.write_identity_file(path, [stranger, alice.identity], passphrase=PASSPHRASE,
                             work_factor=CHEAP_WORK_FACTOR)
    identities = _open(path.read_bytes())
    rows = [ReviewerRow(name="bob", recipient=str(bob.recipient)),
            ReviewerRow(name="alice", recipient=str(alice.recipient))]
    unlocked = match_reviewer(identities, rows)
    assert unlocked.reviewer == "alice"
    assert [str(i) for i in unlocked.identities] == [str(alice.identity)]
    with pytest.raises(UnlockError):
        match_reviewer(identities, rows[:1])


@pytest.mark.parametrize("passphrase", ["", "wrong", PASSPHRASE + " "])
def test_wrong_passphrase(alice: Reviewer, passphrase: str) -> None:
    with pytest.raises(UnlockError) as caught:
        _open(alice.identity_file.read_bytes(), passphrase)
    # One message for every failure: nothing says which part was wrong.
    assert "passphrase" not in str(caught.value).split("or")[-1]


def test_garbage_and_oversized_files(alice: Reviewer) -> None:
    for data in [b"", b"garbage", b"age-encryption.org/v1\n" + b"x" * 70_000]:
        with pytest.raises(UnlockError):
            _open(data)


def test_cheap_work_factor_is_refused(alice: Reviewer) -> None:
    data = alice.identity_file.read_bytes()
    with pytest.raises(UnlockError):
        open_identities(data, passphrase=PASSPHRASE, min_work_factor=CHEAP_WORK_FACTOR + 1)
    assert _open(data)


def test_throttle_doubles_per_file_to_a_cap_and_resets() -> None:
    now = [0.0]
    throttle = Throttle(base=1.0, cap=5.0, clock=lambda: now[0])
    delays = [throttle.failed("guessed") for _ in range(5)]
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert throttle.retry_after("guessed") == 5
    assert throttle.retry_after("another reviewer's file") == 0
    now[0] = 5.0
    assert throttle.retry_after("guessed") == 0
    throttle.succeeded("guessed")
    assert throttle.failed("guessed") == 1.0
    for _ in range(2000):  # a long attack must not overflow
        throttle.failed("guessed")


def test_throttle_flood_cannot_evict_a_file_being_guessed() -> None:
    throttle = Throttle(base=1.0, cap=30.0, clock=lambda: 0.0)
    for _ in range(6):
        throttle.failed("guessed")
    for number in range(MAX_THROTTLED_FILES + 10):
        throttle.failed(f"junk-{number}")
    assert throttle.retry_after("guessed") == 30


def test_identity_file_id_survives_re_encoding(alice: Reviewer) -> None:
    data = alice.identity_file.read_bytes()
    assert identity_file_id(data) == identity_file_id(data + b"trailing garbage")
    assert identity_file_id(data).startswith("salt:")
    assert identity_file_id(b"not age").startswith("sha256:")


def _session() -> ReviewerSession:
    library = CaseLibrary({}, SearchIndex(), RelatedIndex())
    return ReviewerSession("alice", (keys.X25519Identity.generate(),), library)


def test_vault_idle_timeout_drops_every_idle_session() -> None:
    now = [0.0]
    vault = Vault(idle_seconds=10, clock=lambda: now[0])
    first, second = vault.open(_session()), vault.open(_session())
    assert first != second
    now[0] = 9
    assert vault.get(first) is not None
    now[0] = 15  # second idle for 15 s, first for 6 s
    assert vault.get(first) is not None
    assert len(vault) == 1
    assert vault.get(second) is None
    assert vault.get(None) is None and vault.get("forged") is None
    vault.close(first)
    assert len(vault) == 0


def test_reaper_thread_drops_idle_sessions_without_any_request() -> None:
    now = [0.0]
    vault = Vault(idle_seconds=10, clock=lambda: now[0])
    vault.open(_session())
    vault.start_reaper(interval=0.01)
    try:
        now[0] = 11
        wait_until(lambda: len(vault) == 0, failure="the reaper dropped no idle session")
        assert len(vault) == 0
    finally:
        vault.stop()
    assert not [t for t in threading.enumerate() if t.name == "haven-review-reaper"]
