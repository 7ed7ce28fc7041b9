"""Every review page in every language: its lang and dir, its chooser, and no English left.

The pages (tests/review/every_page.py) are rendered once per language whose
catalog review/translations holds, English included. A language of the chooser
with no catalog yet is skipped, or fails under HAVEN_STRICT_TESTS=1: the nine
translations arrive together (issue 13), and a strict run needs all of them.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from babel.messages.pofile import read_po

from review.web.i18n import (
    AUTONYMS,
    DEFAULT_LANGUAGE,
    LANGUAGES_KEY,
    available_languages,
    language_tag,
)
from tests.catalogs import code_msgids
from tests.intake.pages import Page
from tests.review.catalogs import CATALOGS
from tests.review.every_page import choose_language, every_page, open_desk
from tests.support import require

CODE_MSGIDS = frozenset(code_msgids(CATALOGS.sources))
TRANSLATED = CATALOGS.translated
catalog_path = CATALOGS.path
RIGHT_TO_LEFT = {"ug", "fa", "ar"}
# A msgid this long is English no translation would contain by chance.
DISTINCTIVE_LENGTH = 24
PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]")
# How templates join strings in one text node: "Title · Haven review", "Label: value".
JOINS = re.compile(r" · |: ")

EXPECTED_STATUS = {
    "unlock": 200, "unlock_failed": 401, "unlock_throttled": 429, "too_large": 413,
    "inbox": 200, "inbox_arrivals": 200, "inbox_searched": 200, "inbox_bulk": 200,
    "inbox_bulk_refused": 200, "inbox_in_language": 200, "inbox_jump_missing": 200,
    "case": 200, "case_rtl": 200, "case_tibetan": 200, "case_note": 200, "case_reply": 200,
    "case_reply_refused": 200, "case_triage": 200, "case_tags": 200, "case_categories": 200,
    "case_categories_refused": 400, "case_linked": 200, "case_link_refused": 200,
    "case_export_refused": 200, "case_export_bad_key": 200, "case_exported": 200,
    "case_in_language": 200,
    "dashboard": 200, "audit": 200, "audit_case": 200, "audit_unknown_case": 404,
    "not_found": 404, "case_not_found": 404, "not_allowed": 405, "bad_request": 400,
    "refused": 403, "locked": 200, "locked_itself": 200,
}  # fmt: skip


def english_phrases(language: str) -> tuple[set[str], set[str]]:
    """The code's msgids a page in `language` must not show: (short ones, matched whole;
    long pieces, matched inside). Only a msgid whose translation is the same word (a name,
    say) is left out; one the catalog lacks, or leaves untranslated, is English left over."""
    same: set[str] = set()
    if catalog_path(language, "po").is_file():
        with catalog_path(language, "po").open("rb") as source:
            same = {str(m.id) for m in read_po(source) if isinstance(m.id, str)
                    and m.id and m.string == m.id}
    whole: set[str] = set()
    inside: set[str] = set()
    for msgid in CODE_MSGIDS - same:
        for piece in PLACEHOLDER.split(msgid):
            piece = " ".join(piece.split())
            (inside if len(piece) >= DISTINCTIVE_LENGTH else whole).add(piece)
        whole.add(msgid)
    # A piece without a letter (the "." after a placeholder, a colon) is punctuation
    # the translation may keep as well, not English left over.
    whole = {phrase for phrase in whole if any(c.isalpha() for c in phrase)}
    return whole, inside


def leftovers(page: Page, language: str) -> list[str]:
    """English msgids a reader of `page` meets where a translation should be."""
    whole, inside = english_phrases(language)
    found = []
    for text in page.texts_in(language_tag(language)):
        pieces = {text, *(piece.strip() for piece in JOINS.split(text))}
        found += sorted(pieces & whole)
        found += sorted(phrase for phrase in inside if phrase in text)
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Page]]:
    """Every page in English and in every language with a catalog, rendered once."""
    pages = {}
    for language in available_languages():
        desk = open_desk(tmp_path_factory.mktemp(f"i18n-{language}"))
        client = desk.app.test_client()
        # A current browser on the app's own pages (tests/review/conftest.py, OwnPagesClient).
        client.environ_base["HTTP_SEC_FETCH_SITE"] = "same-origin"
        choose_language(client, language)
        pages[language] = every_page(desk, client, language)
        assert desk.app.config[LANGUAGES_KEY] == available_languages()
        desk.workspace.dispose()
    return pages


def _pages_in(rendered: dict[str, dict[str, Page]], language: str) -> dict[str, Page]:
    require(language in rendered, f"no review catalog for {language} yet (review/translations)")
    return rendered[language]


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_every_page_declares_its_language_and_direction(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    pages = _pages_in(rendered, language)
    assert {name: page.status for name, page in pages.items()} == EXPECTED_STATUS
    for name, page in pages.items():
        assert page.root["lang"] == language_tag(language), name
        assert page.root["dir"] == ("rtl" if language in RIGHT_TO_LEFT else "ltr"), name


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_every_page_offers_every_language_named_in_itself(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    offered = available_languages()
    for name, page in _pages_in(rendered, language).items():
        entries = [e for e in page.elements if e.attrs.get("lang") and (
            "hreflang" in e.attrs or e.attrs.get("name") == "lang")]
        assert [e.attrs["lang"] for e in entries] == [language_tag(c) for c in offered], name
        current = [e.attrs["lang"] for e in entries if e.attrs.get("aria-current") == "true"]
        assert current == [language_tag(language)], name
        for code in offered:
            assert (language_tag(code), AUTONYMS[code]) in page.texts, (name, code)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_page_shows_english_where_a_translation_exists(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    for name, page in _pages_in(rendered, language).items():
        assert leftovers(page, language) == [], name


def test_the_leftover_check_finds_english(rendered: dict[str, dict[str, Page]]) -> None:
    # The English pages are full of the msgids: the check above is not vacuous.
    language = "fr"

    def as_if_in(name: str) -> Page:
        english = rendered[DEFAULT_LANGUAGE][name]
        return dataclasses.replace(
            english, texts=[(language_tag(language), text) for _, text in english.texts])

    unlock = leftovers(as_if_in("unlock"), language)
    assert "Unlock the workspace" in unlock
    assert any(text.startswith("Choose your passphrase-protected identity file") for text in unlock)
    assert "Evidence package" in leftovers(as_if_in("case"), language)
