"""Sealed triage: readable by every reviewer, by stock age for classic keys, by nobody else."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import keys
from review.triage.record import Note, Sealed, TriageError, clean_tags, seal, unseal
from review.web.charts import bar_chart
from tests.review.reviewers import Reviewer
from tests.support import WAIT_SECONDS, require_program


def _content() -> Sealed:
    return Sealed(notes=(Note("alice", "2025-01-01T00:00:00+00:00", "乌鲁木齐 note"),),
                  tags=("van",), links=("a" * 32,), categories=("threats",))


def test_round_trip_for_every_reviewer(alice: Reviewer, bob: Reviewer) -> None:
    blob = seal(_content(), recipients=[alice.recipient, bob.recipient])
    for reviewer in (alice, bob):
        assert unseal(blob, identities=[reviewer.identity]) == _content()
    assert "乌鲁木齐".encode() not in blob


def test_outsider_cannot_unseal(alice: Reviewer, key_kind: str) -> None:
    blob = seal(_content(), recipients=[alice.recipient])
    outsider = (keys.HybridIdentity.generate() if key_kind == "hybrid"
                else keys.X25519Identity.generate())
    with pytest.raises(keys.NoIdentityMatchError):
        unseal(blob, identities=[outsider])


def test_sealed_triage_opens_with_stock_age(tmp_path: Path) -> None:
    age = require_program("age", "apt-get install age")
    identity = keys.X25519Identity.generate()
    blob = seal(_content(), recipients=[identity.recipient()])
    key_file = tmp_path / "key.txt"
    key_file.write_text(str(identity) + "\n")
    sealed = tmp_path / "triage.age"
    sealed.write_bytes(blob)
    plain = subprocess.run([age, "-d", "-i", str(key_file), str(sealed)], check=True,
                           capture_output=True, timeout=WAIT_SECONDS).stdout
    assert Sealed.from_json(plain) == _content()


def test_tags_are_cleaned() -> None:
    assert clean_tags([" b ", "a", "", "a", "two  words"]) == ("a", "b", "two words")
    with pytest.raises(TriageError):
        clean_tags(["x" * 65])


def test_link_and_unlink() -> None:
    linked = Sealed().with_link("b" * 32, present=True).with_link("a" * 32, present=True)
    assert linked.links == ("a" * 32, "b" * 32)
    assert linked.with_link("a" * 32, present=False).links == ("b" * 32,)


def test_chart_escapes_labels() -> None:
    from collections import Counter

    svg = str(bar_chart("<t>", Counter({"<script>x</script>": 3, "ok": 1})))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count("<rect") == 2


def test_records_sealed_before_link_decisions_read_as_none_dismissed() -> None:
    old = b'{"categories": null, "links": [], "notes": [], "tags": ["van"]}'
    assert Sealed.from_json(old).dismissed == ()
    decided = Sealed.from_json(old).with_dismissed("b" * 32, "phone", "+447911123456")
    assert Sealed.from_json(decided.to_json()) == decided
    assert decided.is_dismissed("b" * 32, "phone", "+447911123456")
    assert not decided.is_dismissed("b" * 32, "phone", "+447911000000")
