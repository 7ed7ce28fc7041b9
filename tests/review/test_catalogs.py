"""The review catalogs: one per language of the chooser, complete, compiled, placeholders intact.

Each test runs against the catalogs in review/translations. A language whose
catalog is not there yet is skipped, or, under HAVEN_STRICT_TESTS=1, fails:
review ships all nine translations (issue 13), so a strict run is green only
with every one of them complete.
"""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from review.web.i18n import AUTONYMS, DEFAULT_LANGUAGE, TRANSLATIONS_DIR, available_languages
from tests.catalogs import PLACEHOLDER, ids, messages, strings, translations
from tests.review import catalogs
from tests.review.catalogs import TRANSLATED, catalog_path
from tests.support import require


def load_po(language: str) -> Catalog:
    """The language's catalog; skipped (failed, in strict mode) if it is not shipped yet."""
    require(catalog_path(language, "po").is_file(),
            f"no review catalog for {language} yet: {catalog_path(language, 'po')}")
    with catalog_path(language, "po").open("rb") as source:
        return read_po(source, locale=language)


@pytest.fixture(scope="module")
def code_msgids() -> set[str]:
    """Every msgid in review's Python code and templates today, extracted with babel.cfg."""
    return catalogs.code_msgids()


def test_every_catalog_is_a_language_the_chooser_names() -> None:
    on_disk = {path.name for path in TRANSLATIONS_DIR.iterdir() if path.is_dir()}
    assert on_disk <= set(TRANSLATED), sorted(on_disk - set(TRANSLATED))
    assert available_languages()[0] == DEFAULT_LANGUAGE


# Needs all nine catalogs: red until the translations are merged (issue 13).
def test_all_nine_languages_are_shipped() -> None:
    missing = [language for language in TRANSLATED if not catalog_path(language, "mo").is_file()]
    require(not missing, f"review catalogs not shipped yet: {', '.join(missing)}")
    assert available_languages() == tuple(AUTONYMS)


def test_extraction_finds_the_strings_of_code_and_templates(code_msgids: set[str]) -> None:
    # A guard for the next test: an extraction that found nothing would pass it vacuously.
    assert "Unlock the workspace" in code_msgids  # _() in templates/review/unlock.html
    assert "Closed: duplicate" in code_msgids  # _l in review/web/i18n.py
    assert "Not found" in code_msgids  # gettext in review/web/app.py
    assert "Device maker" in code_msgids  # _l in review/web/metadata_labels.py


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
    require(catalog_path(language, "mo").is_file(), f"no compiled catalog for {language}")
    with catalog_path(language, "mo").open("rb") as shipped:
        assert translations(read_mo(shipped)) == translations(read_mo(compiled_now)), (
            f"pybabel compile -d review/translations -l {language}"
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


def test_the_placeholder_check_sees_a_broken_one() -> None:
    # Not vacuous: a dropped or renamed placeholder changes what the check counts.
    msgid = "Updated %(count)d cases."
    assert Counter(PLACEHOLDER.findall("%(count)d dossiers mis à jour.")) == Counter(
        PLACEHOLDER.findall(msgid))
    assert Counter(PLACEHOLDER.findall("%(nombre)d dossiers.")) != Counter(
        PLACEHOLDER.findall(msgid))
    assert Counter(PLACEHOLDER.findall("dossiers mis à jour.")) != Counter(
        PLACEHOLDER.findall(msgid))
