"""What every page of either app holds in a language: its lang and dir, and no English left.

Each app walks its own pages (tests/intake/pages.py, tests/review/every_page.py)
and its test_i18n_pages.py asks of them what is written once here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from babel.messages.pofile import read_po

from tests.catalogs import AppCatalogs, code_msgids
from tests.intake.pages import Page

RIGHT_TO_LEFT = frozenset({"ug", "fa", "ar"})
# A msgid this long is English no translation would contain by chance.
DISTINCTIVE_LENGTH = 24
PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]")
# How templates join strings in one text node: "Title · Haven", "Label: error".
JOINS = re.compile(r" · |: ")


def language_tag(language: str) -> str:
    """The BCP 47 tag of a catalog name, as `lang` carries it (zh_Hant_HK -> zh-Hant-HK)."""
    return language.replace("_", "-")


def assert_language_and_direction(
    pages: Mapping[str, Page], language: str, expected_status: Mapping[str, int]
) -> None:
    """Every page was rendered, with its status, and says it is in `language`, in its direction."""
    assert {name: page.status for name, page in pages.items()} == expected_status
    for name, page in pages.items():
        assert page.root["lang"] == language_tag(language), name
        assert page.root["dir"] == ("rtl" if language in RIGHT_TO_LEFT else "ltr"), name


@dataclass(frozen=True)
class EnglishPhrases:
    """The code's English a page in one language must not show."""

    whole: frozenset[str]  # short msgids and pieces: matched as a whole text (or joined part)
    inside: frozenset[str]  # long pieces: matched anywhere inside a text


def english_phrases(
    app: AppCatalogs, code_msgids: Collection[str], language: str
) -> EnglishPhrases:
    """Every msgid of the code but those the catalog translates as the same words (a name, say).

    A msgid the catalog lacks, or leaves untranslated, is English left over: the
    code's msgids are the measure, not the catalog's.
    """
    same: set[str] = set()
    if app.path(language, "po").is_file():
        with app.path(language, "po").open("rb") as source:
            same = {str(m.id) for m in read_po(source)
                    if isinstance(m.id, str) and m.id and m.string == m.id}  # fmt: skip
    whole: set[str] = set()
    inside: set[str] = set()
    for msgid in set(code_msgids) - same:
        for piece in PLACEHOLDER.split(msgid):
            piece = " ".join(piece.split())
            (inside if len(piece) >= DISTINCTIVE_LENGTH else whole).add(piece)
        whole.add(msgid)
    # A piece without a letter (the "." after a placeholder, a colon) is punctuation
    # the translation may keep as well, not English left over.
    return EnglishPhrases(
        whole=frozenset(phrase for phrase in whole if any(c.isalpha() for c in phrase)),
        inside=frozenset(inside),
    )


def english_by_language(app: AppCatalogs) -> dict[str, EnglishPhrases]:
    """english_phrases of every language `app` translates, the code's msgids extracted once."""
    msgids = code_msgids(app.sources)
    return {language: english_phrases(app, msgids, language) for language in app.translated}


def leftovers(page: Page, language: str, english: EnglishPhrases) -> list[str]:
    """The English a reader of `page` meets where a translation should be."""
    found = []
    for text in page.texts_in(language_tag(language)):
        pieces = {text, *(piece.strip() for piece in JOINS.split(text))}
        found += sorted(pieces & english.whole)
        found += sorted(phrase for phrase in english.inside if phrase in text)
    return found


def as_if_in(page: Page, language: str) -> Page:
    """`page` with every text marked as in `language`: the English a check must then find."""
    tag = language_tag(language)
    return dataclasses.replace(page, texts=[(tag, text) for _, text in page.texts])
