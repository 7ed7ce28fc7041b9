"""Receipt codes: diceware passphrases from which intake derives a lookup id and a reply key.

A reporter keeps only the code. The server keeps only what Argon2id derives
from it with an instance-wide secret pepper, so a seized database alone does
not let anyone test guesses, and even with the pepper every guess costs one
Argon2id evaluation against a 90-bit space.

The same secret has two written forms. The words are the code itself. The
digits are for reporters to whom English words are a foreign script: each word
becomes one group of five digits, its 0-based index in the published list
(0000-7775) followed by a Damm check digit (keys/damm.py). Seven groups, 35
digits, carry exactly the seven words' 90.5 bits: 28 digits could hold 90 bits
of data alone (10^28 > 7776^7), but not a check digit per group as well, and a
group per word keeps the two forms side by side, number for number, so that a
typo is caught in the group where it was made before Argon2 runs. Either form
normalises to the words, so both derive the same lookup id and reply key.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from keys.argon2_memory import argon2id_raw
from keys.damm import damm_check_digit, damm_is_valid
from keys.errors import ReceiptCheckDigitError, ReceiptDigitCountError, ReceiptError
from keys.hybrid import SEED_SIZE, HybridIdentity
from keys.primitives import receipt_lookup_id, receipt_reply_seed

WORDLIST_RESOURCE = "eff_large_wordlist.txt"
WORDLIST_SIZE = 7776
RECEIPT_WORDS = 7  # 7 × log2(7776) ≈ 90.5 bits
# Each word of the code is written as its index in the list (4 digits: the list
# has 7,776 < 10^4 words) and one Damm check digit.
DIGIT_GROUP_DATA = 4
DIGIT_GROUP_SIZE = DIGIT_GROUP_DATA + 1
RECEIPT_DIGITS = RECEIPT_WORDS * DIGIT_GROUP_SIZE
PEPPER_SIZE = 32
LOOKUP_ID_SIZE = 32
_ARGON2_OUTPUT_SIZE = 32


@dataclass(frozen=True)
class Argon2Cost:
    """Argon2id cost parameters (memory in KiB)."""

    time_cost: int
    memory_kib: int
    parallelism: int


# OWASP's Password Storage Cheat Sheet option "m=19456 (19 MiB), t=2, p=1".
# Its equal-strength alternatives trade memory for passes; we take the low-memory
# one because intake must stay under 128 MiB while a 1 GiB upload is in flight,
# and the code's 90 bits, not Argon2's cost, are what stop guessing.
PRODUCTION_COST = Argon2Cost(time_cost=2, memory_kib=19456, parallelism=1)


@dataclass(frozen=True)
class ReceiptKeys:
    """What a receipt code derives to: the stored lookup id and the reporter's reply identity."""

    lookup_id: str
    # Hybrid post-quantum: replies sit on the online server encrypted to this key,
    # where an adversary can record them today and attack them with a quantum computer later.
    reply_identity: HybridIdentity


@cache
def wordlist() -> tuple[str, ...]:
    """Return the 7,776 words of the EFF large list, in published order."""
    text = resources.files("keys.wordlists").joinpath(WORDLIST_RESOURCE).read_text("utf-8")
    words = tuple(line.split("\t")[1] for line in text.splitlines() if line)
    if len(words) != WORDLIST_SIZE or len(set(words)) != WORDLIST_SIZE:
        raise RuntimeError("the bundled receipt word list is damaged")
    return words


@cache
def _known_words() -> frozenset[str]:
    return frozenset(wordlist())


def generate_receipt_code(
    *, words: int = RECEIPT_WORDS, choose: Callable[[Sequence[str]], str] = secrets.choice
) -> str:
    """Return a new receipt code of `words` words chosen uniformly at random."""
    if words < RECEIPT_WORDS:
        raise ReceiptError(f"a receipt code needs at least {RECEIPT_WORDS} words")
    vocabulary = wordlist()
    return " ".join(choose(vocabulary) for _ in range(words))


def receipt_code_digit_groups(code: str) -> tuple[str, ...]:
    """Return the digit form of `code`: one group of five ASCII digits per word, in order."""
    index = _word_indices()
    groups = []
    for word in normalize_receipt_code(code).split():
        data = f"{index[word]:0{DIGIT_GROUP_DATA}d}"
        groups.append(data + damm_check_digit(data))
    return tuple(groups)


@cache
def _word_indices() -> dict[str, int]:
    return {word: at for at, word in enumerate(wordlist())}


def normalize_receipt_code(text: str) -> str:
    """Return `text` as the canonical code: lower case, single spaces, words checked.

    `text` may be the words or the digits of a code; the digits are checked
    group by group and turned into their words.
    """
    if any(unicodedata.category(char) == "Nd" for char in text):
        return _words_of_digits(text)
    # Reporters retype codes on phones: forgive case and extra spaces.
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = [word for token in folded.split() for word in _split_token(token, _known_words())]
    if len(words) < RECEIPT_WORDS:
        raise ReceiptError(f"a receipt code has at least {RECEIPT_WORDS} words")
    return " ".join(words)


def _words_of_digits(text: str) -> str:
    """Return the words a code written in digits stands for, every group checked."""
    digits = []
    for char in text:
        if unicodedata.category(char) == "Nd":
            # Any script's decimal digits: full-width, Arabic-Indic, Persian, Tibetan,
            # whatever keyboard the reporter has, all read as the same digit.
            digits.append(str(unicodedata.decimal(char)))
        elif not (char.isspace() or unicodedata.category(char) == "Pd"):
            # Spaces and dashes of any kind separate groups; anything else (a letter
            # among the digits) means the text is no code in either form.
            raise ReceiptError("a receipt code in digits is made only of digits, spaces and dashes")
    count = len(digits)
    if count < RECEIPT_DIGITS or count % DIGIT_GROUP_SIZE:
        raise ReceiptDigitCountError(
            f"a receipt code in digits has {RECEIPT_DIGITS} digits or more, "
            f"in groups of {DIGIT_GROUP_SIZE}",
            digit_count=count,
        )
    # Groups are read by position, not by where the reporter put the spaces: a
    # space typed one digit too early must not turn into two typos.
    groups = [
        "".join(digits[at : at + DIGIT_GROUP_SIZE]) for at in range(0, count, DIGIT_GROUP_SIZE)
    ]
    failing = tuple(number for number, group in enumerate(groups, 1) if not damm_is_valid(group))
    if failing:
        raise ReceiptCheckDigitError(
            "a group of the receipt code fails its check digit", groups=failing
        )
    vocabulary = wordlist()
    indices = [int(group[:DIGIT_GROUP_DATA]) for group in groups]
    if any(index >= WORDLIST_SIZE for index in indices):
        raise ReceiptError("a receipt code in digits names only words of the list")
    return " ".join(vocabulary[index] for index in indices)


def _split_token(token: str, known: frozenset[str]) -> list[str]:
    """Return the list words `token` stands for: itself, or hyphen-joined words."""
    if token in known:
        return [token]
    # Some reporters retype a code with hyphens between its words. The list has
    # hyphenated words of its own (t-shirt, drop-down), so a pair of parts that is
    # a list word is taken whole; none of their first halves is a word by itself,
    # so no code can be read two ways.
    parts = [part for part in token.split("-") if part]
    words: list[str] = []
    at = 0
    while at < len(parts):
        pair = "-".join(parts[at : at + 2])
        if at + 1 < len(parts) and pair in known:
            words.append(pair)
            at += 2
        elif parts[at] in known:
            words.append(parts[at])
            at += 1
        else:
            raise ReceiptError("a receipt code is made only of words from the list")
    return words


def derive_receipt_keys(
    code: str, *, pepper: bytes, cost: Argon2Cost = PRODUCTION_COST
) -> ReceiptKeys:
    """Derive the lookup id and the reporter's reply identity from a receipt code."""
    if len(pepper) != PEPPER_SIZE:
        raise ValueError(f"the receipt pepper must be {PEPPER_SIZE} bytes")
    # The pepper is the Argon2 salt: codes are looked up, so no per-code salt can
    # exist, and a secret instance-wide salt keeps a stolen database unsearchable.
    # Its 19 MiB come from blocks reused across derivations (keys/argon2_memory.py).
    master = argon2id_raw(
        normalize_receipt_code(code).encode("utf-8"),
        pepper,
        time_cost=cost.time_cost,
        memory_kib=cost.memory_kib,
        parallelism=cost.parallelism,
        length=_ARGON2_OUTPUT_SIZE,
    )
    # The lookup id and the reply key come from one Argon2id output under distinct
    # labels (see keys/primitives.py), so the stored id reveals nothing of the key.
    lookup_id = receipt_lookup_id(master=master, length=LOOKUP_ID_SIZE).hex()
    reply_seed = receipt_reply_seed(master=master, length=SEED_SIZE)
    return ReceiptKeys(lookup_id=lookup_id, reply_identity=HybridIdentity(reply_seed))
