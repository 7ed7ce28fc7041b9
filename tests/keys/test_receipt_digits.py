"""Receipt codes in digits: one checked group of five per word, the same secret as the words."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from keys import ReceiptCheckDigitError, ReceiptDigitCountError, ReceiptError
from keys.damm import damm_check_digit, damm_is_valid
from keys.receipt import (
    DIGIT_GROUP_SIZE,
    RECEIPT_DIGITS,
    RECEIPT_WORDS,
    Argon2Cost,
    derive_receipt_keys,
    generate_receipt_code,
    normalize_receipt_code,
    receipt_code_digit_groups,
    wordlist,
)

PEPPER = bytes(range(32))
FAST = Argon2Cost(time_cost=1, memory_kib=8, parallelism=1)
CODE = "machinist geranium probiotic copied ruined singing vagueness"
CODE_DIGITS = ("37912", "28389", "48635", "12932", "55337", "59442", "74463")
ALL_GROUPS = [f"{index:04d}" + damm_check_digit(f"{index:04d}") for index in range(len(wordlist()))]


def test_known_answer() -> None:
    # Word indices in the published list (machinist is the 3,792nd word) and Damm's digits.
    assert wordlist()[3791] == "machinist"
    assert receipt_code_digit_groups(CODE) == CODE_DIGITS
    assert normalize_receipt_code(" ".join(CODE_DIGITS)) == CODE


def test_damm_known_answer() -> None:
    # The worked example of the algorithm's description: 572 gets check digit 4.
    assert damm_check_digit("572") == "4"
    assert damm_is_valid("5724")
    assert not damm_is_valid("5723")


def test_the_digits_carry_the_words_90_bits() -> None:
    assert RECEIPT_DIGITS == 35
    assert len(ALL_GROUPS) == len(set(ALL_GROUPS)) == 7776
    assert RECEIPT_WORDS * math.log2(len(ALL_GROUPS)) >= 90


def test_every_word_round_trips() -> None:
    filler = "abacus " * (RECEIPT_WORDS - 1)
    for word in wordlist():
        code = filler + word
        groups = receipt_code_digit_groups(code)
        assert len(groups) == RECEIPT_WORDS
        assert all(len(group) == DIGIT_GROUP_SIZE and group.isdigit() for group in groups)
        assert normalize_receipt_code(" ".join(groups)) == code, word


def test_random_codes_round_trip() -> None:
    for _ in range(200):
        code = generate_receipt_code()
        assert normalize_receipt_code("".join(receipt_code_digit_groups(code))) == code


def test_longer_codes_keep_one_group_per_word() -> None:
    code = generate_receipt_code(words=9)
    groups = receipt_code_digit_groups(code)
    assert len(groups) == 9
    assert normalize_receipt_code(" ".join(groups)) == code


def test_every_single_digit_error_of_every_group_is_caught() -> None:
    # Exhaustive over all 7,776 groups, every position (the check digit too), every wrong digit.
    for group in ALL_GROUPS:
        assert damm_is_valid(group)
        for at, wrong in itertools.product(range(DIGIT_GROUP_SIZE), "0123456789"):
            if wrong != group[at]:
                assert not damm_is_valid(group[:at] + wrong + group[at + 1 :]), (group, at, wrong)


def test_every_adjacent_transposition_is_caught() -> None:
    # Including 09 <-> 90, which Luhn's mod-10 check misses.
    for group in ALL_GROUPS:
        for at in range(DIGIT_GROUP_SIZE - 1):
            if group[at] != group[at + 1]:
                swapped = group[:at] + group[at + 1] + group[at] + group[at + 2 :]
                assert not damm_is_valid(swapped), (group, at)


@pytest.mark.parametrize("position", range(RECEIPT_DIGITS))
def test_a_typo_names_its_group(position: int) -> None:
    digits = list("".join(CODE_DIGITS))
    for wrong in "0123456789":
        if wrong == digits[position]:
            continue
        typed = digits.copy()
        typed[position] = wrong
        with pytest.raises(ReceiptCheckDigitError) as caught:
            normalize_receipt_code("".join(typed))
        assert caught.value.groups == (position // DIGIT_GROUP_SIZE + 1,)


def test_typos_in_several_groups_name_each() -> None:
    typed = [CODE_DIGITS[0][:4] + "0", *CODE_DIGITS[1:5], "00001", CODE_DIGITS[6]]
    with pytest.raises(ReceiptCheckDigitError) as caught:
        normalize_receipt_code(" ".join(typed))
    assert caught.value.groups == (1, 6)


@pytest.mark.parametrize("count", [0, 1, 34, 36, 40 - 1])
def test_a_dropped_or_doubled_digit_is_a_count_error(count: int) -> None:
    typed = ("".join(CODE_DIGITS) * 2)[:count] if count else "-"
    if count == 0:
        # No digit at all is a word code (of no words), not a digit code.
        with pytest.raises(ReceiptError):
            normalize_receipt_code(typed)
        return
    with pytest.raises(ReceiptDigitCountError) as caught:
        normalize_receipt_code(typed)
    assert caught.value.digit_count == count


def test_groups_beyond_the_list_are_no_code() -> None:
    beyond = "7776" + damm_check_digit("7776")
    with pytest.raises(ReceiptError) as caught:
        normalize_receipt_code(" ".join([*CODE_DIGITS[:6], beyond]))
    assert not isinstance(caught.value, ReceiptCheckDigitError | ReceiptDigitCountError)


@pytest.mark.parametrize(
    "typed",
    [
        "-".join(CODE_DIGITS),
        "  " + "   ".join(CODE_DIGITS) + "\n",
        "".join(CODE_DIGITS),
        # The spaces put in the wrong places: groups are read by position.
        " ".join(["3791", "228389", *CODE_DIGITS[2:]]),
        "\u2013".join(CODE_DIGITS),  # en dash
        "\u3000".join(CODE_DIGITS),  # ideographic space
    ],
)
def test_spacing_and_dashes_are_forgiven(typed: str) -> None:
    assert normalize_receipt_code(typed) == CODE


@pytest.mark.parametrize("zero", ["\uff10", "\u0660", "\u06f0", "\u0f20"])
def test_digits_of_any_script_are_read(zero: str) -> None:
    # Full-width (CJK keyboards), Arabic-Indic, Persian (Extended Arabic-Indic), Tibetan.
    native = "".join(chr(ord(zero) + int(d)) if d.isdigit() else d for d in " ".join(CODE_DIGITS))
    assert normalize_receipt_code(native) == CODE


@pytest.mark.parametrize(
    "typed", [" ".join(CODE_DIGITS) + " abacus", "37912 28389 4863x 12932 55337 59442 74463"]
)
def test_letters_among_digits_are_no_code(typed: str) -> None:
    with pytest.raises(ReceiptError):
        normalize_receipt_code(typed)


def test_both_forms_derive_the_same_keys() -> None:
    rng = random.Random(12)
    for _ in range(5):
        code = generate_receipt_code(choose=rng.choice)
        from_words = derive_receipt_keys(code, pepper=PEPPER, cost=FAST)
        from_digits = derive_receipt_keys(
            " ".join(receipt_code_digit_groups(code)), pepper=PEPPER, cost=FAST
        )
        assert from_digits.lookup_id == from_words.lookup_id
        assert from_digits.reply_identity.recipient() == from_words.reply_identity.recipient()
        assert str(from_digits.reply_identity) == str(from_words.reply_identity)
