"""Review's catalogs as the tests read them: where each lives, and every msgid of the code."""

from __future__ import annotations

from pathlib import Path

from review.web.i18n import AUTONYMS, DEFAULT_LANGUAGE, TRANSLATIONS_DIR
from tests import catalogs

# The sources babel.cfg's documented command extracts review's catalog from.
SOURCES = ("review", "templates/review")
# The nine translations review ships: every language of the chooser but English.
TRANSLATED = tuple(code for code in AUTONYMS if code != DEFAULT_LANGUAGE)


def catalog_path(language: str, suffix: str) -> Path:
    """review/translations/<language>/LC_MESSAGES/messages.<suffix>."""
    return catalogs.catalog_file(TRANSLATIONS_DIR, language, suffix)


def code_msgids() -> set[str]:
    """Every msgid in review's Python code and templates today, extracted with babel.cfg."""
    return catalogs.code_msgids(SOURCES)
