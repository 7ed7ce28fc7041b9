"""Text normalisation and n-gram tokens for search in every script Haven accepts.

Chinese, Japanese and Khmer put no spaces between words, so their runs are cut
into character bigrams (and unigrams, for one-character queries). Other scripts
are cut at spaces and punctuation into words, indexed as trigrams so a query
finds a word inside a longer one: an Arabic noun inside its "al-" form, a
Russian stem inside its inflections. Tibetan syllables are split at the tsheg.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Arabic-script harakat, Quranic marks and the tatweel carry no meaning for search.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Letters written differently across Arabic, Persian and Uyghur keyboards,
# folded to one form so a query typed on any of them matches the others.
_ARABIC_FOLD = str.maketrans(
    {
        "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef
        "\u0649": "\u064a", "\u06cc": "\u064a", "\u06d0": "\u064a",  # yeh forms
        "\u06a9": "\u0643",  # keheh -> kaf
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0624": "\u0648",  # waw with hamza
        "\u0626": "\u064a",  # yeh with hamza
        "\u200c": None, "\u200d": None,  # zero-width (non-)joiners only shape letters
    }
)
# Scripts written without spaces between words: kana, CJK ideographs, Khmer, Thai.
_DENSE = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
    "\u1780-\u17ff\u0e00-\u0e7f"
)
# Combining marks belong to their letter (Tibetan vowel signs and subjoined
# letters, Latin accents left after NFKC); \w alone would split on them.
_MARKS = "\u0300-\u036f\u0f71-\u0f84\u0f86\u0f87\u0f8d-\u0fbc"
# Tibetan tsheg and shad are punctuation, so they end a run like a space does.
_RUN = re.compile(f"(?P<dense>[{_DENSE}]+)|(?P<word>(?:[^\\W{_DENSE}]|[{_MARKS}])+)")
WORD_GRAM = 3
DENSE_GRAM = 2


# Every decimal digit outside ASCII: Arabic-Indic (٠١٢), Persian (۰۱۲), Devanagari,
# fullwidth... NFKC folds only some of them; a number typed on an Arabic or
# Persian keyboard must still match the same number typed in ASCII.
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")


def fold_digits(text: str) -> str:
    """Replace every Unicode decimal digit with its ASCII digit (same length)."""
    return _NON_ASCII_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def normalise(text: str) -> str:
    """Fold compatibility forms (Arabic presentation forms included), case, digits and variants."""
    text = fold_digits(unicodedata.normalize("NFKC", text).casefold())
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)


def runs(text: str) -> Iterator[tuple[str, bool]]:
    """Split normalised text into (run, dense) pairs: dense runs have no word spaces."""
    for match in _RUN.finditer(text):
        dense = match.group("dense")
        yield (dense, True) if dense else (match.group("word"), False)


def tokens(text: str) -> set[str]:
    """The index tokens of normalised text."""
    found: set[str] = set()
    for run, dense in runs(text):
        if dense:
            found.update(run)
            found.update(_grams(run, DENSE_GRAM))
        else:
            found.update(_grams(run, WORD_GRAM))
    return found


def query_tokens(text: str) -> set[str]:
    """The tokens every matching document must hold (a subset of what `tokens` yields)."""
    found: set[str] = set()
    for run, dense in runs(text):
        size = DENSE_GRAM if dense else WORD_GRAM
        found.update(_grams(run, size) if len(run) >= size else ({run} if dense else set()))
    return found


def _grams(run: str, size: int) -> Iterator[str]:
    if len(run) <= size:
        yield run
        return
    for start in range(len(run) - size + 1):
        yield run[start : start + size]
