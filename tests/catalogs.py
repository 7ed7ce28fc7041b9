"""Flask-Babel catalogs as the tests of both apps read them.

intake and review hold their catalogs to the same rules (tests/test_catalogs.py)
and their pages to the same languages (tests/translated_pages.py); what an app's
catalogs are, reading one and extracting the code's msgids are written once, here.
Each app describes its own catalogs (tests/intake/catalogs.py,
tests/review/catalogs.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from tests.support import require

REPOSITORY = Path(__file__).resolve().parents[1]
# The markers of babel.cfg's documented commands: N_ (questionnaire data), _l and
# lazy_gettext (labels, forms, errors).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None}
# A %-conversion as Python, Jinja's newstyle gettext and Flask-Babel apply it.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


@dataclass(frozen=True, eq=False)
class AppCatalogs:
    """One app's catalogs: where they live, the code they translate, the languages they serve."""

    app: str  # "intake" or "review": test ids and failure messages name it
    sources: tuple[str, ...]  # the folders babel.cfg's documented command extracts from
    translations_dir: Path
    autonyms: Mapping[str, str]  # the chooser's languages, in its order, English first
    default_language: str
    available_languages: Callable[[], tuple[str, ...]]
    # msgid -> how it is marked and where: an extraction that missed one of these would
    # let "the catalog has every string of the code" pass vacuously.
    marked: Mapping[str, str]
    # False: every catalog must be there. True: a missing one is skipped (failed under
    # HAVEN_STRICT_TESTS=1), for an app whose translations are still arriving.
    missing_catalog_skips: bool

    @property
    def translated(self) -> tuple[str, ...]:
        """Every language of the chooser but English: each needs a catalog."""
        return tuple(code for code in self.autonyms if code != self.default_language)

    def path(self, language: str, suffix: str) -> Path:
        """<translations_dir>/<language>/LC_MESSAGES/messages.<suffix>."""
        return catalog_file(self.translations_dir, language, suffix)

    def require(self, available: bool, reason: str) -> None:
        """Fail unless `available`; skip instead where a missing catalog skips."""
        if self.missing_catalog_skips:
            require(available, f"{self.app}: {reason}")
        else:
            assert available, f"{self.app}: {reason}"


def catalog_file(translations_dir: Path, language: str, suffix: str) -> Path:
    """<translations_dir>/<language>/LC_MESSAGES/messages.<suffix>."""
    return translations_dir / language / "LC_MESSAGES" / f"messages.{suffix}"


def messages(catalog: Catalog) -> list[Message]:
    """The catalog's messages without its header entry."""
    return [message for message in catalog if message.id]


def strings(message: Message) -> list[str]:
    """Every msgstr of `message` (one, or one per plural form)."""
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def ids(message: Message) -> list[str]:
    """The msgid (and msgid_plural) of `message`."""
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def translations(catalog: Catalog) -> dict[object, object]:
    """msgid -> msgstr of every message that a compiled catalog would carry."""
    # Plural messages come back from .mo files as lists: made tuples, so they key and
    # compare like the rest.
    return {tuple(ids(m)): tuple(strings(m)) for m in messages(catalog) if not m.fuzzy}


def code_msgids(sources: tuple[str, ...]) -> set[str]:
    """Every msgid in `sources` (folders of the repository) today, extracted with babel.cfg."""
    with (REPOSITORY / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for source in sources:
        for _file, _line, message, _comments, _context in extract_from_dir(
            REPOSITORY / source, method_map, options_map, keywords=KEYWORDS
        ):
            found.update([message] if isinstance(message, str) else message)
    return found
