r"""Text from a report, as review shows it: nothing in it can hide, or reorder what is shown.

A reporter controls every string of a report: the answers, the attachments'
names and types, the metadata inside their files. Some Unicode characters
render as nothing, and some of those reorder the text after them:
"invoice\u202efdp.desktop" shows as "invoicepotksed.pdf" (a right-to-left
override), and a zero-width space makes two different names look alike. Every
page, chart and download name shows such a character as a visible marker
(⟨U+202E⟩) instead, through `reveal_hidden`; on the pages `reporter_text` also
isolates each string in <bdi>, so the direction it runs in cannot reorder the
words around it.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup

MARKER = "⟨U+{code:04X}⟩"
# Format characters (bidi embeddings, overrides, isolates and marks, zero-width
# spaces, the byte order mark, tag characters), other controls, lone
# surrogates (which no response could even encode) and the line and paragraph
# separators (which end a bidi paragraph in the middle of a string).
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Zl", "Zp"})
# Shown as they are: the whitespace a narrative is written with, and the format
# characters that join or separate letters without moving any: Persian, Kurdish
# and Urdu words, Indic conjuncts, Mongolian and emoji sequences need them, and
# a marker would break each such word in two.
_KEPT = frozenset("\t\n\r\u200c\u200d\u180e")


def reveal_hidden(text: str) -> str:
    """`text` with every invisible or reordering character replaced by its marker."""
    if text.isprintable():
        return text
    return "".join(
        MARKER.format(code=ord(char))
        if char not in _KEPT and unicodedata.category(char) in _HIDDEN_CATEGORIES
        else char
        for char in text
    )


def reporter_text(value: object) -> Markup:
    """`value` as page text: escaped, hidden characters revealed, isolated from its neighbours."""
    return Markup("<bdi>{}</bdi>").format(reveal_hidden(str(value)))
