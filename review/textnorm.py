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
_NO_SPACE_SCRIPTS = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x2FA1F),  # CJK extensions B onwards
    (0x1780, 0x17FF),  # Khmer
    (0x0E00, 0x0E7F),  # Thai
)
# Tibetan syllable and clause marks (tsheg, shad and friends) separate tokens.
_TIBETAN_MARKS = frozenset("\u0f0b\u0f0c\u0f0d\u0f0e\u0f0f\u0f10\u0f11\u0f12\u0f14")
WORD_GRAM = 3
DENSE_GRAM = 2


def normalise(text: str) -> str:
    """Fold compatibility forms (Arabic presentation forms included), case and variants."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)


def _is_dense(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _NO_SPACE_SCRIPTS)


def _is_word_char(char: str) -> bool:
    # Combining marks belong to their letter: Tibetan stacks and Devanagari vowels.
    return char not in _TIBETAN_MARKS and (
        char.isalnum() or unicodedata.category(char) in ("Mn", "Mc")
    )


def runs(text: str) -> Iterator[tuple[str, bool]]:
    """Split normalised text into (run, dense) pairs: dense runs have no word spaces."""
    current: list[str] = []
    dense = False
    for char in text:
        char_dense = _is_dense(char)
        if _is_word_char(char) and (not current or char_dense == dense):
            current.append(char)
            dense = char_dense
            continue
        if current:
            yield "".join(current), dense
            current = []
        if _is_word_char(char):
            current.append(char)
            dense = char_dense
    if current:
        yield "".join(current), dense


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
