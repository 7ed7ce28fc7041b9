"""Every intake page in every language: its lang and dir, and no English left untranslated."""

from __future__ import annotations

import dataclasses
import re

import pytest

import keys
from intake import create_app
from intake.config import load_config
from intake.i18n import AUTONYMS, DEFAULT_LANGUAGE
from tests.intake.catalogs import CATALOGS
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.intake.pages import Page, choose_language, every_page
from tests.translated_pages import (
    EnglishPhrases,
    as_if_in,
    assert_language_and_direction,
    english_by_language,
    leftovers,
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Page]]:
    """Every page in every language, rendered once for the module."""
    # Module-scoped, so the suite's function-scoped app fixture is not used: 90 pages
    # rendered once instead of once per test.
    data_dir = prepare_data_dir(
        tmp_path_factory.mktemp("i18n") / "data",
        [str(keys.X25519Identity.generate().recipient())],
    )
    config = dataclasses.replace(
        load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1"}),
        receipt_cost=FAST_RECEIPT_COST,
    )
    app = create_app(config)
    pages = {}
    for language in AUTONYMS:
        client = app.test_client()
        choose_language(client, language)
        pages[language] = every_page(client, max_text_chars=config.max_text_chars)
    app.extensions["haven_intake"].engine.dispose()
    return pages


@pytest.fixture(scope="module")
def english() -> dict[str, EnglishPhrases]:
    """The code's English each translated page must not show, by language."""
    return english_by_language(CATALOGS)


EXPECTED_STATUS = {
    "index": 200,
    "danger": 200,
    "form": 200,
    "not_found": 404,
    "form_errors": 422,
    "form_errors_files": 422,
    "receipt": 200,
    "too_large": 413,
    "refused": 400,
    "check": 200,
    "check_wrong": 200,
    "check_results": 200,
    "too_slow": 408,
    "busy": 503,
}


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_every_page_declares_its_language_and_direction(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    assert_language_and_direction(rendered[language], language, EXPECTED_STATUS)


@pytest.mark.parametrize("language", CATALOGS.translated)
def test_no_page_shows_english_where_a_translation_exists(
    rendered: dict[str, dict[str, Page]], english: dict[str, EnglishPhrases], language: str
) -> None:
    for name, page in rendered[language].items():
        assert leftovers(page, language, english[language]) == [], name


def test_the_leftover_check_finds_english(
    rendered: dict[str, dict[str, Page]], english: dict[str, EnglishPhrases]
) -> None:
    # The English pages are full of the msgids: the check above is not vacuous.
    form = leftovers(as_if_in(rendered[DEFAULT_LANGUAGE]["form"], "fr"), "fr", english["fr"])
    assert "Tell us what happened" in form
    assert any(text.startswith("Photos and documents can contain") for text in form)


@pytest.mark.parametrize("language", CATALOGS.translated)
def test_the_receipt_code_stays_left_to_right_latin(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    page = rendered[language]["receipt"]
    (code,) = [e for e in page.elements if e.attrs.get("class") == "receipt-code"]
    assert code.attrs["lang"] == "en"
    assert code.attrs["dir"] == "ltr"
    assert re.search(
        # Seven words of the EFF list, four of which are hyphenated (t-shirt, yo-yo...).
        r'<p class="receipt-code" lang="en" dir="ltr">'
        r"([a-z]+(?:-[a-z]+)? ){6}[a-z]+(?:-[a-z]+)?</p>",
        page.html,
    )


@pytest.mark.parametrize("language", list(AUTONYMS))
def test_no_page_links_or_loads_another_origin(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    for name, page in rendered[language].items():
        assert "<script" not in page.html, name
        for element in page.elements:
            for attribute in ("href", "src", "action", "srcset", "formaction"):
                value = element.attrs.get(attribute, "")
                assert not re.match(r"\s*([a-z][a-z0-9+.-]*:)?//", value, re.I), (name, value)
                assert not value.startswith(("http:", "https:", "javascript:", "data:")), name
