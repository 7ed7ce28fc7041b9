"""Languages: which ones intake offers, how a request picks one, and its writing direction."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from flask import current_app, request

DEFAULT_LANGUAGE = "en"
# Holds nothing but the chosen language's code (see intake/language_choice.py).
LANGUAGE_COOKIE = "haven_lang"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"

# Every language intake can offer, in the chooser's order, each named in itself so a
# reporter finds their own without reading the page's current language.
AUTONYMS: dict[str, str] = {
    "en": "English",
    "zh_Hans": "简体中文",
    "zh_Hant_HK": "繁體中文（香港）",
    "ug": "ئۇيغۇرچە",
    "bo": "བོད་ཡིག",
    "fa": "فارسی",
    "ar": "العربية",
    "ru": "Русский",
    "tr": "Türkçe",
    "fr": "Français",
}

# Languages written right to left among those of notes/domain.md.
RTL_LANGUAGES = frozenset({"ar", "fa", "ug", "ur", "he"})

SIMPLIFIED_CHINESE = "zh_Hans"
TRADITIONAL_CHINESE = "zh_Hant_HK"
# Regions whose Chinese is written in traditional characters; every other region,
# and a bare "zh", reads simplified.
_TRADITIONAL_REGIONS = frozenset({"hk", "mo", "tw"})
# Primary subtags read in one of intake's languages though they are not its code.
_ALIASES = {
    "prs": "fa",  # Dari is written Persian.
    "yue": TRADITIONAL_CHINESE,  # Cantonese speakers mostly read traditional characters.
}


def available_languages(translations_dir: Path = TRANSLATIONS_DIR) -> tuple[str, ...]:
    """Return English plus every named language with a compiled catalog, in chooser order."""
    compiled = {
        path.parent.parent.name for path in translations_dir.glob("*/LC_MESSAGES/messages.mo")
    }
    return tuple(code for code in AUTONYMS if code == DEFAULT_LANGUAGE or code in compiled)


def language_for_tag(tag: str, supported: Collection[str]) -> str | None:
    """Map one Accept-Language tag (zh-HK, fr-CA, ug-Arab-CN) to a supported language."""
    subtags = tag.strip().replace("_", "-").lower().split("-")
    primary, rest = subtags[0], subtags[1:]
    if primary in ("zh", "yue"):
        candidate = _chinese_script(primary, rest)
    else:
        candidate = _ALIASES.get(primary, primary)
    return candidate if candidate in supported else None


def negotiate(accepted: Iterable[str], supported: Collection[str]) -> str:
    """Return the first supported language among `accepted` (best first), else English."""
    for tag in accepted:
        language = language_for_tag(tag, supported)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    """Pick the request's language: the reporter's choice, else Accept-Language, else English."""
    supported: tuple[str, ...] = current_app.config["HAVEN_LANGUAGES"]
    # The cookie a chooser link or button set (intake/language_choice.py) is only a
    # hint: an unknown value is ignored.
    choice = request.cookies.get(LANGUAGE_COOKIE, "")
    if choice in supported:
        return choice
    accepted = (tag for tag, quality in request.accept_languages if quality > 0 and tag != "*")
    return negotiate(accepted, supported)


def text_direction(language: str) -> str:
    """Return "rtl" or "ltr" for the `dir` attribute of a page in `language`."""
    return "rtl" if language.split("_")[0].split("-")[0] in RTL_LANGUAGES else "ltr"


def language_tag(language: str) -> str:
    """Return the BCP 47 tag of a catalog name for `lang` attributes (zh_Hant_HK -> zh-Hant-HK)."""
    return language.replace("_", "-")


def _chinese_script(primary: str, rest: list[str]) -> str:
    if "hant" in rest:
        return TRADITIONAL_CHINESE
    if "hans" in rest:
        return SIMPLIFIED_CHINESE
    if primary == "yue" or _TRADITIONAL_REGIONS.intersection(rest):
        return TRADITIONAL_CHINESE
    return SIMPLIFIED_CHINESE
