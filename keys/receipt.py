"""Receipt codes: diceware passphrases from which intake derives a lookup id and a reply key.

A reporter keeps only the code. The server keeps only what Argon2id derives
from it with an instance-wide secret pepper, so a seized database alone does
not let anyone test guesses, and even with the pepper every guess costs one
Argon2id evaluation against a 90-bit space.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from argon2.low_level import Type, hash_secret_raw

from keys.errors import ReceiptError
from keys.hybrid import SEED_SIZE, HybridIdentity
from keys.primitives import receipt_lookup_id, receipt_reply_seed

WORDLIST_RESOURCE = "eff_large_wordlist.txt"
WORDLIST_SIZE = 7776
RECEIPT_WORDS = 7  # 7 × log2(7776) ≈ 90.5 bits
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


def normalize_receipt_code(text: str) -> str:
    """Return `text` as the canonical code: lower case, single spaces, words checked."""
    # Reporters retype codes on phones: forgive case and extra spaces.
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = [word for token in folded.split() for word in _split_token(token, _known_words())]
    if len(words) < RECEIPT_WORDS:
        raise ReceiptError(f"a receipt code has at least {RECEIPT_WORDS} words")
    return " ".join(words)


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
    master = hash_secret_raw(
        secret=normalize_receipt_code(code).encode("utf-8"),
        salt=pepper,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=_ARGON2_OUTPUT_SIZE,
        type=Type.ID,
    )
    # The lookup id and the reply key come from one Argon2id output under distinct
    # labels (see keys/primitives.py), so the stored id reveals nothing of the key.
    lookup_id = receipt_lookup_id(master=master, length=LOOKUP_ID_SIZE).hex()
    reply_seed = receipt_reply_seed(master=master, length=SEED_SIZE)
    return ReceiptKeys(lookup_id=lookup_id, reply_identity=HybridIdentity(reply_seed))
