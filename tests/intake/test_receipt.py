"""Receipt codes: 7 words of the EFF list, derived with Argon2id and the pepper."""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Sequence
from importlib import resources

import pytest

import keys
from keys.receipt import (
    PRODUCTION_COST,
    RECEIPT_WORDS,
    ReceiptError,
    derive_receipt_keys,
    generate_receipt_code,
    normalize_receipt_code,
    wordlist,
)
from tests.intake.costs import FAST_RECEIPT_COST

PEPPER = bytes(range(32))
EFF_LARGE_SHA256 = "addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e"


def test_word_list_is_the_published_eff_large_list() -> None:
    data = resources.files("keys.wordlists").joinpath("eff_large_wordlist.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == EFF_LARGE_SHA256
    assert len(wordlist()) == len(set(wordlist())) == 7776


def test_codes_carry_at_least_90_bits() -> None:
    code = generate_receipt_code()
    assert len(code.split()) == RECEIPT_WORDS
    assert all(word in wordlist() for word in code.split())
    assert RECEIPT_WORDS * math.log2(len(wordlist())) >= 90


def test_codes_are_drawn_afresh() -> None:
    assert len({generate_receipt_code() for _ in range(50)}) == 50


def test_refuses_short_codes() -> None:
    with pytest.raises(ReceiptError):
        generate_receipt_code(words=6)
    with pytest.raises(ReceiptError, match="at least 7"):
        normalize_receipt_code("abacus " * 6)


def test_normalisation_forgives_case_spaces_and_hyphens() -> None:
    code = generate_receipt_code()
    messy = "  " + code.upper().replace(" ", "-", 2).replace(" ", "   ") + "\n"
    assert normalize_receipt_code(messy) == code


def test_refuses_words_outside_the_list() -> None:
    with pytest.raises(ReceiptError, match="only of words"):
        normalize_receipt_code("abacus " * 6 + "notaword")


HYPHENATED = [word for word in wordlist() if "-" in word]
FILLER = ["abacus", "zoom", "shirt", "down", "abdomen", "abide"]


def test_the_list_has_hyphenated_words_whose_first_halves_are_not_words() -> None:
    # The hyphen rule in normalize_receipt_code is unambiguous only while this holds.
    assert sorted(HYPHENATED) == ["drop-down", "felt-tip", "t-shirt", "yo-yo"]
    assert not any(word.split("-")[0] in wordlist() for word in HYPHENATED)


def test_every_word_of_the_list_survives_normalisation() -> None:
    for word in wordlist():
        code = " ".join([word, *FILLER])
        assert normalize_receipt_code(code) == code, word


@pytest.mark.parametrize("word", HYPHENATED)
@pytest.mark.parametrize("position", [0, 3, 6])
def test_codes_typed_with_hyphens_between_words_keep_hyphenated_words(
    word: str, position: int
) -> None:
    words = [*FILLER]
    words.insert(position, word)
    assert normalize_receipt_code("-".join(words).upper()) == " ".join(words)
    assert normalize_receipt_code(" - ".join(words)) == " ".join(words)


@pytest.mark.parametrize("typed", ["t shirt", "shirt-t", "abacus-notaword", "abacus-t"])
def test_refuses_hyphenated_tokens_that_are_not_list_words(typed: str) -> None:
    with pytest.raises(ReceiptError, match="only of words"):
        normalize_receipt_code(" ".join([*FILLER, typed]))


def pinned_chooser(words: Sequence[str]) -> Callable[[Sequence[str]], str]:
    """A chooser that yields `words` in turn, standing in for secrets.choice."""
    cycle = itertools.cycle(words)
    return lambda _vocabulary: next(cycle)


@pytest.mark.parametrize("word", HYPHENATED)
def test_a_generated_code_always_derives(word: str) -> None:
    # A code the server issues but cannot derive would throw away a whole upload.
    code = generate_receipt_code(choose=pinned_chooser([word, *FILLER]))
    assert code.split(" ")[0] == word
    derived = derive_receipt_keys(code, pepper=PEPPER, cost=FAST_RECEIPT_COST)
    retyped = derive_receipt_keys(code.replace(" ", "-"), pepper=PEPPER, cost=FAST_RECEIPT_COST)
    assert retyped.lookup_id == derived.lookup_id


def test_every_generated_word_normalises_to_itself() -> None:
    for word in wordlist():
        code = generate_receipt_code(choose=pinned_chooser([word]))
        assert normalize_receipt_code(code) == code, word


def test_derivation_is_deterministic_and_peppered() -> None:
    code = generate_receipt_code()
    first = derive_receipt_keys(code, pepper=PEPPER, cost=FAST_RECEIPT_COST)
    again = derive_receipt_keys(code.upper(), pepper=PEPPER, cost=FAST_RECEIPT_COST)
    other_pepper = derive_receipt_keys(code, pepper=bytes(32), cost=FAST_RECEIPT_COST)
    other_code = derive_receipt_keys(generate_receipt_code(), pepper=PEPPER, cost=FAST_RECEIPT_COST)
    assert first.lookup_id == again.lookup_id
    assert str(first.reply_identity) == str(again.reply_identity)
    assert len(first.lookup_id) == 64
    for different in (other_pepper, other_code):
        assert different.lookup_id != first.lookup_id
        assert str(different.reply_identity.recipient()) != str(first.reply_identity.recipient())


def test_the_reply_key_is_hybrid_post_quantum() -> None:
    derived = derive_receipt_keys(generate_receipt_code(), pepper=PEPPER, cost=FAST_RECEIPT_COST)
    recipient = derived.reply_identity.recipient()
    assert str(recipient).startswith("age1pq1")
    assert keys.parse_recipient(str(recipient)) == recipient
    sealed = keys.encrypt(b"a reply", recipients=[recipient])
    assert keys.decrypt(sealed, identities=[derived.reply_identity]) == b"a reply"


# Replies already stored are encrypted to keys derived this way: a change of label,
# KDF or key type must be a deliberate new version, never an accident.
KNOWN_CODE = "abacus t-shirt zoom drop-down yo-yo felt-tip abide"
KNOWN_LOOKUP_ID = "b06f498ae1a865eef79b21bfbf237e850d8afe0dd943ea4c595fd41179fda55c"
KNOWN_RECIPIENT_SHA256 = "87636ee96a504eb3bb920b1e7808967d44e0c45a74c245b697b02d2ea0de2c7f"


def test_derivation_matches_its_known_answer() -> None:
    derived = derive_receipt_keys(KNOWN_CODE, pepper=PEPPER, cost=FAST_RECEIPT_COST)
    assert derived.lookup_id == KNOWN_LOOKUP_ID
    recipient = str(derived.reply_identity.recipient()).encode()
    assert hashlib.sha256(recipient).hexdigest() == KNOWN_RECIPIENT_SHA256


def test_lookup_id_and_reply_key_are_independent() -> None:
    keys_ = derive_receipt_keys(generate_receipt_code(), pepper=PEPPER, cost=FAST_RECEIPT_COST)
    assert keys_.lookup_id not in str(keys_.reply_identity).lower()


def test_refuses_a_short_pepper() -> None:
    with pytest.raises(ValueError, match="pepper"):
        derive_receipt_keys(generate_receipt_code(), pepper=b"short", cost=FAST_RECEIPT_COST)


# OWASP Password Storage Cheat Sheet, Argon2id: equally strong (memory KiB, passes) options.
OWASP_ARGON2ID_OPTIONS = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]


def test_production_cost_meets_owasp_guidance() -> None:
    assert PRODUCTION_COST.parallelism == 1
    assert any(
        PRODUCTION_COST.memory_kib >= memory and PRODUCTION_COST.time_cost >= passes
        for memory, passes in OWASP_ARGON2ID_OPTIONS
    )
