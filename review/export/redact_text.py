r"""The report's text with marked strings removed, however they are spelled.

A name the reviewer marks once must go wherever it occurs: "Li Wei" in the
narrative is also "LI WEI", "Ｌｉ　Ｗｅｉ" typed in full width on a Chinese
keyboard, "Li\u200b Wei" with a hidden character inside it, or "Li\nWei" across
a line. Text and marked strings are compared folded the same way: NFKC (width
variants, compatibility and presentation forms), case folding, invisible
format characters dropped, whitespace runs as one space, and Arabic-script
yeh and kaf as one letter each (Arabic and Persian keyboards type different
ones for the same name). Each match maps back to the original characters it
came from, and the whole span is replaced by a visible marker. Where a folded
character came from a larger unit (ligature "ﬁ", "ß"), the whole unit goes:
this errs towards removing more, never less.

The log names which marked string each removal was and where its marker now
stands, never the string itself: it travels with the redacted copy.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MARKER = "[REDACTED]"

# Letters that Arabic and Persian keyboards give different code points for.
_ARABIC_VARIANTS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9",
                                  "\u0640": None})  # tatweel only stretches a word


@dataclass(frozen=True)
class Removal:
    """One removal: which marked string (0-based, as given) and where its marker is."""

    string_index: int
    position: int  # offset of the marker in the redacted text


@dataclass(frozen=True)
class RedactedText:
    """The text with every marked string replaced, and the log of each replacement."""

    text: str
    removed: tuple[Removal, ...]


def redact_report_text(text: str, strings: Iterable[str]) -> RedactedText:
    """`text` with every occurrence of each of `strings` replaced by MARKER."""
    folded, origin = _fold_with_origin(text)
    spans: list[tuple[int, int, int]] = []  # (start, end) in `text`, string index
    for index, needle in enumerate(strings):
        target, _ = _fold_with_origin(needle)
        target = target.strip()
        if not target:
            continue
        position = folded.find(target)
        while position != -1:
            last = position + len(target) - 1
            spans.append((origin[position][0], origin[last][1], index))
            position = folded.find(target, position + 1)
    return _replace(text, spans)


def _replace(text: str, spans: list[tuple[int, int, int]]) -> RedactedText:
    """Replace the spans, earliest and then longest first, overlapping ones as one."""
    out: list[str] = []
    removed: list[Removal] = []
    cursor = 0  # in `text`
    written = 0  # characters of the result so far
    for start, end, index in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < cursor:  # overlaps the previous removal: extend it
            cursor = max(cursor, end)
            continue
        out.append(text[cursor:start])
        written += start - cursor
        removed.append(Removal(index, written))
        out.append(MARKER)
        written += len(MARKER)
        cursor = end
    out.append(text[cursor:])
    return RedactedText("".join(out), tuple(removed))


def _fold_with_origin(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The folded text, and for each of its characters the span of `text` it came from.

    Text is folded a base character with its combining marks at a time, so
    that "e" + U+0301 and "é" fold alike.
    """
    folded: list[str] = []
    origin: list[tuple[int, int]] = []
    for start, end in _units(text):
        unit = text[start:end]
        if unicodedata.category(unit[0]) == "Cf":
            continue  # zero-width and direction characters: invisible, so not part of a name
        piece = _fold(unit)
        if piece.isspace():
            if folded and folded[-1] == " ":
                origin[-1] = (origin[-1][0], end)
                continue
            piece = " "
        for char in piece:
            folded.append(char)
            origin.append((start, end))
    return "".join(folded), origin


def _fold(unit: str) -> str:
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", unit).casefold())
    return folded.translate(_ARABIC_VARIANTS)


def _units(text: str) -> Iterable[tuple[int, int]]:
    """Spans of a base character and the combining marks that follow it."""
    start = 0
    for position in range(1, len(text) + 1):
        if position == len(text) or not unicodedata.combining(text[position]):
            yield start, position
            start = position
