"""Languages: which ones intake offers, how a request picks one, and its writing direction."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request

DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
# Languages written right to left among those of notes/domain.md.
RTL_LANGUAGES = frozenset({"ar", "fa", "ug", "ur", "he"})


def available_languages(translations_dir: Path = TRANSLATIONS_DIR) -> tuple[str, ...]:
    """Return English plus every language with a compiled catalog in `translations_dir`."""
    found = sorted(
        path.parent.parent.name
        for path in translations_dir.glob("*/LC_MESSAGES/messages.mo")
        if path.parent.parent.name != DEFAULT_LANGUAGE
    )
    return (DEFAULT_LANGUAGE, *found)


def select_locale() -> str:
    """Pick the request's language from Accept-Language among those intake offers."""
    # The seam for a language chooser: it will consult the chooser's choice first.
    supported: tuple[str, ...] = current_app.config["HAVEN_LANGUAGES"]
    return request.accept_languages.best_match(supported) or DEFAULT_LANGUAGE


def text_direction(language: str) -> str:
    """Return "rtl" or "ltr" for the `dir` attribute of a page in `language`."""
    return "rtl" if language.split("_")[0].split("-")[0] in RTL_LANGUAGES else "ltr"
