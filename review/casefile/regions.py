"""Which country a report's phone numbers belong to, from every hint the report gives.

A number written the national way ("07911 123456") means nothing without its
country. Reports say the country in many ways: an ISO code from a choice
question ("GB"), or free text in the reporter's language ("英国", "Royaume-Uni",
"بریتانیا"). Names are read with CLDR's territory names (through Babel) in the
ten languages Haven's forms are offered in, so any of them is recognised
whichever language the reviewer or reporter uses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

import phonenumbers
from babel import Locale

from review.casefile.textnorm import normalise

# The languages of intake's forms (intake/translations), as Babel locale ids.
NAME_LANGUAGES = ("en", "fr", "ru", "tr", "fa", "ar", "ug", "bo", "zh_Hans", "zh_Hant_HK")
# Short names people write that CLDR lists only as alternatives, or not at all.
ALIASES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "usa": "US", "united states of america": "US", "america": "US",
    "holland": "NL", "turkey": "TR",
}
# The reporter's language as a last, weak hint: only languages spoken mainly in
# one country with its own numbering plan. English and Arabic name none (spoken
# in dozens of countries); a region subtag ("zh-Hant-HK") names its own.
LANGUAGE_REGIONS = {"fr": "FR", "ru": "RU", "tr": "TR", "fa": "IR", "ug": "CN", "bo": "CN",
                    "zh": "CN"}
# Punctuation and spaces around a name ("Royaume-Uni.", " 英国 ") are not part of it.
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


@functools.cache
def _names() -> dict[str, str]:
    """Every territory name of NAME_LANGUAGES, normalised, to its ISO code."""
    names: dict[str, str] = {}
    for language in NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            # Numeric codes are regions of the world ("419" Latin America), not countries.
            if len(code) == 2 and code.isalpha():
                names.setdefault(_key(name), code)
    # Aliases win: "UK" is a name people write, not an ISO code (that is GB).
    names.update({_key(alias): code for alias, code in ALIASES.items()})
    return names


def _key(text: str) -> str:
    return " ".join(_EDGES.sub("", normalise(text)).replace("-", " ").split())


def country_code(answer: str) -> str | None:
    """The ISO 3166 code of a country answer (a code or a name), if phone numbers have one."""
    text = answer.strip()
    code = _names().get(_key(text))
    if code is None and len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def language_region(language: str) -> str | None:
    """The weak region hint of a reporter's language tag ("zh-Hant-HK" -> HK, "fr" -> FR)."""
    parts = language.replace("_", "-").split("-")
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha() and part.upper() in phonenumbers.SUPPORTED_REGIONS:
            return part.upper()
    return LANGUAGE_REGIONS.get(parts[0].lower())


def hints(country_answers: Iterable[str], language: str) -> tuple[str, ...]:
    """Regions to read national numbers in, strongest first, without repeats."""

    def ordered() -> Iterator[str | None]:
        for answer in country_answers:
            yield country_code(answer)
        yield language_region(language)

    found: list[str] = []
    for region in ordered():
        if region is not None and region not in found:
            found.append(region)
    return tuple(found)
