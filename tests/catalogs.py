"""Flask-Babel catalogs as the completeness tests of both apps read them.

intake (tests/intake/test_i18n.py) and review (tests/review/test_catalogs.py,
test_i18n_pages.py) hold their catalogs to the same rules; what reading a
catalog and extracting the code's msgids means is written once, here.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

REPOSITORY = Path(__file__).resolve().parents[1]
# The markers of babel.cfg's documented commands: N_ (questionnaire data), _l and
# lazy_gettext (labels, forms, errors).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None}
# A %-conversion as Python, Jinja's newstyle gettext and Flask-Babel apply it.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


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
