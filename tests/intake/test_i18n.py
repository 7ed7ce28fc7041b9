"""The intake catalogs: complete, compiled, placeholders intact, covering all of the code."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from intake.i18n import AUTONYMS, DEFAULT_LANGUAGE, TRANSLATIONS_DIR, available_languages
from tests import catalogs
from tests.catalogs import PLACEHOLDER, ids, messages, strings, translations

# Where intake's strings live: the same sources babel.cfg's documented command extracts.
SOURCES = ("intake", "templates/intake")
TRANSLATED = tuple(code for code in AUTONYMS if code != DEFAULT_LANGUAGE)
def catalog_path(language: str, suffix: str) -> Path:
    return catalogs.catalog_file(TRANSLATIONS_DIR, language, suffix)


def load_po(language: str) -> Catalog:
    with catalog_path(language, "po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.fixture(scope="module")
def code_msgids() -> set[str]:
    """Every msgid in intake's Python code and templates today, extracted with babel.cfg."""
    return catalogs.code_msgids(SOURCES)


def test_every_catalog_is_a_language_the_chooser_names() -> None:
    on_disk = {path.name for path in TRANSLATIONS_DIR.iterdir() if path.is_dir()}
    assert on_disk == set(TRANSLATED)
    assert available_languages() == tuple(AUTONYMS)


def test_extraction_finds_the_strings_of_code_and_templates(code_msgids: set[str]) -> None:
    # A guard for the next test: an extraction that found nothing would pass it vacuously.
    assert "Is anyone in danger right now?" in code_msgids  # N_ in questionnaire.py
    assert "Quick exit" in code_msgids  # _() in templates/intake/base.html
    assert "Too large" in code_msgids  # lazy_gettext in errors.py


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_has_every_string_of_the_code(language: str, code_msgids: set[str]) -> None:
    catalog = load_po(language)
    present = {msgid for message in messages(catalog) for msgid in ids(message)}
    assert sorted(code_msgids - present) == [], "run pybabel update, then translate"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = load_po(language)
    assert messages(catalog), "empty catalog"
    untranslated = [m.id for m in messages(catalog) if not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    compiled_now = io.BytesIO()
    write_mo(compiled_now, load_po(language))
    compiled_now.seek(0)
    with catalog_path(language, "mo").open("rb") as shipped:
        assert translations(read_mo(shipped)) == translations(read_mo(compiled_now)), (
            f"pybabel compile -d intake/translations -l {language}"
        )


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_translation_breaks_its_placeholders(language: str) -> None:
    for message in messages(load_po(language)):
        expected = Counter(PLACEHOLDER.findall(ids(message)[0]))
        names = {name: 1 for name in re.findall(r"%\(([^)]*)\)", ids(message)[0])}
        for string in filter(None, strings(message)):
            assert Counter(PLACEHOLDER.findall(string)) == expected, (message.id, string)
            # Templates format every string, with or without variables: a stray "%" in a
            # translation would fail the page, so each must format with the msgid's names.
            string % names


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalog_declares_its_language(language: str) -> None:
    assert str(load_po(language).locale) == language
