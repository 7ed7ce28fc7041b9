"""Receipt codes: 7 words of the EFF list, derived with Argon2id and the pepper."""

from __future__ import annotations

import hashlib
import math
from importlib import resources

import pytest

from keys.receipt import (
    PRODUCTION_COST,
    RECEIPT_WORDS,
    ReceiptError,
    derive_receipt_keys,
    generate_receipt_code,
    normalize_receipt_code,
    wordlist,
)
from tests.intake.conftest import FAST_RECEIPT_COST

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
