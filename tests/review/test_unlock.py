"""Unlock pieces: identity files, reviewer matching, the throttle, the vault."""

from __future__ import annotations

import pytest

import keys
from review.errors import UnlockError
from review.library import CaseLibrary
from review.models import Reviewer as ReviewerRow
from review.related import RelatedIndex
from review.search import SearchIndex
from review.unlock import Throttle, match_reviewer, open_identities
from review.vault import ReviewerSession, Vault
from tests.review.conftest import PASSPHRASE, Reviewer


def test_open_and_match(alice: Reviewer, bob: Reviewer) -> None:
    identities = open_identities(alice.identity_file.read_bytes(), passphrase=PASSPHRASE)
    rows = [ReviewerRow(name="bob", recipient=str(bob.recipient)),
            ReviewerRow(name="alice", recipient=str(alice.recipient))]
    assert match_reviewer(identities, rows).reviewer == "alice"
    with pytest.raises(UnlockError):
        match_reviewer(identities, rows[:1])


@pytest.mark.parametrize("passphrase", ["", "wrong", PASSPHRASE + " "])
def test_wrong_passphrase(alice: Reviewer, passphrase: str) -> None:
    with pytest.raises(UnlockError) as caught:
        open_identities(alice.identity_file.read_bytes(), passphrase=passphrase)
    # One message for every failure: nothing says which part was wrong.
    assert "passphrase" not in str(caught.value).split("or")[-1]


def test_garbage_and_oversized_files(alice: Reviewer) -> None:
    for data in [b"", b"garbage", b"age-encryption.org/v1\n" + b"x" * 70_000]:
        with pytest.raises(UnlockError):
            open_identities(data, passphrase=PASSPHRASE)


def test_throttle_doubles_to_a_cap_and_resets() -> None:
    slept: list[float] = []
    throttle = Throttle(base=1.0, cap=5.0, sleep=slept.append)
    for _ in range(5):
        throttle.failed()
    assert slept == [1.0, 2.0, 4.0, 5.0, 5.0]
    throttle.succeeded()
    throttle.failed()
    assert slept[-1] == 1.0
    for _ in range(2000):  # a long attack must not overflow
        throttle.failed()


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
