"""Review's catalogs as the tests read them: where each lives, and every msgid of the code."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from review.web.i18n import AUTONYMS, DEFAULT_LANGUAGE, TRANSLATIONS_DIR

REPOSITORY = Path(__file__).resolve().parents[2]
# The sources babel.cfg's documented command extracts review's catalog from.
SOURCES = ("review", "templates/review")
# The nine translations review ships: every language of the chooser but English.
TRANSLATED = tuple(code for code in AUTONYMS if code != DEFAULT_LANGUAGE)
# The markers of babel.cfg's command: _l and lazy_gettext (labels, forms), N_ as intake's.
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None}


def catalog_path(language: str, suffix: str) -> Path:
    """review/translations/<language>/LC_MESSAGES/messages.<suffix>."""
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"messages.{suffix}"


def code_msgids() -> set[str]:
    """Every msgid in review's Python code and templates today, extracted with babel.cfg."""
    with (REPOSITORY / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPOSITORY / source, method_map, options_map, keywords=KEYWORDS
        ):
            found.update([message] if isinstance(message, str) else message)
    return found
