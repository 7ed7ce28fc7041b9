"""Every intake page in every language: its lang and dir, and no English left untranslated."""

from __future__ import annotations

import dataclasses
import re

import pytest
from babel.messages.pofile import read_po

import keys
from intake import create_app
from intake.config import load_config
from intake.i18n import AUTONYMS, DEFAULT_LANGUAGE, TRANSLATIONS_DIR, language_tag
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.intake.pages import Page, choose_language, every_page

TRANSLATED = tuple(code for code in AUTONYMS if code != DEFAULT_LANGUAGE)
RIGHT_TO_LEFT = {"ug", "fa", "ar"}
# A msgid this long is English no translation would contain by chance.
DISTINCTIVE_LENGTH = 24
PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]")
# How templates join strings in one text node: "Title · Haven", "Label: error".
JOINS = re.compile(r" · |: ")


def english_phrases(language: str) -> tuple[set[str], set[str]]:
    """The catalog's translated msgids: (short ones, matched whole; long pieces, matched inside)."""
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    whole: set[str] = set()
    inside: set[str] = set()
    for message in catalog:
        if not message.id or not message.string or message.string == message.id:
            continue  # the header, or the same word in both languages (for example "Signal")
        msgid = str(message.id)
        for piece in PLACEHOLDER.split(msgid):
            piece = " ".join(piece.split())
            (inside if len(piece) >= DISTINCTIVE_LENGTH else whole).add(piece)
        whole.add(msgid)
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
    assert {name: page.status for name, page in rendered[language].items()} == EXPECTED_STATUS
    for name, page in rendered[language].items():
        assert page.root["lang"] == language_tag(language), name
        assert page.root["dir"] == ("rtl" if language in RIGHT_TO_LEFT else "ltr"), name


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_page_shows_english_where_a_translation_exists(
    rendered: dict[str, dict[str, Page]], language: str
) -> None:
    for name, page in rendered[language].items():
        assert leftovers(page, language) == [], name


def test_the_leftover_check_finds_english(rendered: dict[str, dict[str, Page]]) -> None:
    # The English pages are full of the msgids: the check above is not vacuous.
    english = rendered[DEFAULT_LANGUAGE]["form"]
    english.texts = [(language_tag("fr"), text) for _, text in english.texts]
    assert "Tell us what happened" in leftovers(english, "fr")
    assert any(
        text.startswith("Photos and documents can contain") for text in leftovers(english, "fr")
    )


@pytest.mark.parametrize("language", TRANSLATED)
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
