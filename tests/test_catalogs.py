"""Both apps' catalogs: one per language of the chooser, complete, compiled, placeholders intact.

Every rule runs against intake's catalogs (intake/translations) and review's
(review/translations), each described in tests/<app>/catalogs.py; a test's id
and its failure name the app and the language. Intake must ship every catalog.
Review's nine arrived together (issue 13): one not there is skipped, or, under
HAVEN_STRICT_TESTS=1, fails.
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests import catalogs
from tests.catalogs import (
    PLACEHOLDER,
    REPOSITORY,
    AppCatalogs,
    ids,
    messages,
    strings,
    translations,
)
from tests.intake.catalogs import CATALOGS as INTAKE
from tests.review.catalogs import CATALOGS as REVIEW

APPS = [pytest.param(app, id=app.app) for app in (INTAKE, REVIEW)]
LANGUAGES = [
    pytest.param(app, language, id=f"{app.app}-{language}")
    for app in (INTAKE, REVIEW)
    for language in app.translated
]


@functools.cache
def code_msgids(sources: tuple[str, ...]) -> frozenset[str]:
    """Every msgid in `sources` today, extracted with babel.cfg once for the run."""
    return frozenset(catalogs.code_msgids(sources))


def load_po(app: AppCatalogs, language: str) -> Catalog:
    """The language's catalog; a missing one fails, or skips where the app allows it."""
    path = app.path(language, "po")
    app.require(path.is_file(), f"no catalog for {language} yet: {path}")
    with path.open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("app", APPS)
def test_every_catalog_is_a_language_the_chooser_names(app: AppCatalogs) -> None:
    on_disk = {path.name for path in app.translations_dir.iterdir() if path.is_dir()}
    assert sorted(on_disk - set(app.translated)) == [], f"{app.app}: catalogs of no language"
    assert app.available_languages()[0] == app.default_language


@pytest.mark.parametrize("app", APPS)
def test_every_language_of_the_chooser_is_shipped(app: AppCatalogs) -> None:
    missing = [language for language in app.translated if not app.path(language, "mo").is_file()]
    app.require(not missing, f"catalogs not shipped yet: {', '.join(missing)}")
    assert app.available_languages() == tuple(app.autonyms)


@pytest.mark.parametrize("app", APPS)
def test_extraction_finds_the_strings_of_code_and_templates(app: AppCatalogs) -> None:
    # A guard for the next test: an extraction that found nothing would pass it vacuously.
    found = code_msgids(app.sources)
    unseen = {msgid: where for msgid, where in app.marked.items() if msgid not in found}
    assert unseen == {}, f"{app.app}: extraction missed these marked msgids"


@pytest.mark.parametrize(("app", "language"), LANGUAGES)
def test_the_catalog_has_every_string_of_the_code(app: AppCatalogs, language: str) -> None:
    catalog = load_po(app, language)
    present = {msgid for message in messages(catalog) for msgid in ids(message)}
    assert sorted(code_msgids(app.sources) - present) == [], (
        f"{app.app} {language}: run pybabel update, then translate"
    )


@pytest.mark.parametrize(("app", "language"), LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(app: AppCatalogs, language: str) -> None:
    catalog = load_po(app, language)
    assert messages(catalog), f"{app.app} {language}: empty catalog"
    untranslated = [m.id for m in messages(catalog) if not all(s.strip() for s in strings(m))]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert untranslated == [], f"{app.app} {language}: untranslated"
    assert fuzzy == [], f"{app.app} {language}: fuzzy"


@pytest.mark.parametrize(("app", "language"), LANGUAGES)
def test_the_compiled_catalog_matches_its_source(app: AppCatalogs, language: str) -> None:
    compiled_now = io.BytesIO()
    write_mo(compiled_now, load_po(app, language))
    compiled_now.seek(0)
    app.require(app.path(language, "mo").is_file(), f"no compiled catalog for {language}")
    with app.path(language, "mo").open("rb") as shipped:
        assert translations(read_mo(shipped)) == translations(read_mo(compiled_now)), (
            f"pybabel compile -d {app.translations_dir.relative_to(REPOSITORY)} -l {language}"
        )


@pytest.mark.parametrize(("app", "language"), LANGUAGES)
def test_no_translation_breaks_its_placeholders(app: AppCatalogs, language: str) -> None:
    for message in messages(load_po(app, language)):
        expected = Counter(PLACEHOLDER.findall(ids(message)[0]))
        names = {name: 1 for name in re.findall(r"%\(([^)]*)\)", ids(message)[0])}
        for string in filter(None, strings(message)):
            assert Counter(PLACEHOLDER.findall(string)) == expected, (
                app.app, language, message.id, string)
            # Templates format every string, with or without variables: a stray "%" in a
            # translation would fail the page, so each must format with the msgid's names.
            try:
                string % names
            except (KeyError, TypeError, ValueError) as error:
                pytest.fail(f"{app.app} {language}: {message.id!r} -> {string!r}: {error!r}")


@pytest.mark.parametrize(("app", "language"), LANGUAGES)
def test_the_catalog_declares_its_language(app: AppCatalogs, language: str) -> None:
    assert str(load_po(app, language).locale) == language, app.app


def test_the_placeholder_check_sees_a_broken_one() -> None:
    # Not vacuous: a dropped or renamed placeholder changes what the check counts.
    msgid = "Updated %(count)d cases."
    assert Counter(PLACEHOLDER.findall("%(count)d dossiers mis à jour.")) == Counter(
        PLACEHOLDER.findall(msgid))
    assert Counter(PLACEHOLDER.findall("%(nombre)d dossiers.")) != Counter(
        PLACEHOLDER.findall(msgid))
    assert Counter(PLACEHOLDER.findall("dossiers mis à jour.")) != Counter(
        PLACEHOLDER.findall(msgid))
