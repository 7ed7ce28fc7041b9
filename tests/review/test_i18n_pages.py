"""Every review page in every language: its lang and dir, its chooser, and no English left.

The pages (tests/review/every_page.py) are rendered once per language whose
catalog review/translations holds, English included. A language of the chooser
with no catalog yet is skipped, or fails under HAVEN_STRICT_TESTS=1: the nine
translations arrive together (issue 13), and a strict run needs all of them.
"""

from __future__ import annotations

import pytest

from review.web.i18n import AUTONYMS, DEFAULT_LANGUAGE, LANGUAGES_KEY, available_languages
from tests.intake.pages import Page
from tests.review.catalogs import CATALOGS
from tests.review.every_page import choose_language, every_page, open_desk
from tests.support import require
from tests.translated_pages import (
    EnglishPhrases,
    as_if_in,
    assert_language_and_direction,
    english_by_language,
    language_tag,
    leftovers,
)

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


@pytest.fixture(scope="module")
def english() -> dict[str, EnglishPhrases]:
    """The code's English each translated page must not show, by language."""
    return english_by_language(CATALOGS)


def _pages_in(rendered: dict[str, dict[str, Page]], language: str) -> dict[str, Page]:
    require(language in rendered, f"no review catalog for {language} yet (review/translations)")
    return rendered[language]


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_every_page_declares_its_language_and_direction(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    assert_language_and_direction(_pages_in(rendered, language), language, EXPECTED_STATUS)


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


@pytest.mark.parametrize("language", CATALOGS.translated)
def test_no_page_shows_english_where_a_translation_exists(
    rendered: dict[str, dict[str, Page]], english: dict[str, EnglishPhrases], language: str
) -> None:
    for name, page in _pages_in(rendered, language).items():
        assert leftovers(page, language, english[language]) == [], name


def test_the_leftover_check_finds_english(
    rendered: dict[str, dict[str, Page]], english: dict[str, EnglishPhrases]
) -> None:
    # The English pages are full of the msgids: the check above is not vacuous.
    def in_french(name: str) -> list[str]:
        return leftovers(as_if_in(rendered[DEFAULT_LANGUAGE][name], "fr"), "fr", english["fr"])

    unlock = in_french("unlock")
    assert "Unlock the workspace" in unlock
    assert any(text.startswith("Choose your passphrase-protected identity file") for text in unlock)
    assert "Evidence package" in in_french("case")
