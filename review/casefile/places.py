"""One place per country, whatever language a report named it in.

Questionnaire 2.0.0 answers places with ISO 3166 codes (contracts/places.py).
Reports of 1.0.0 wrote them as free text: 英国, United Kingdom, Royaume-Uni.
`place_of` maps such a text to its code when it is a CLDR name of a country in
any of intake's ten languages (or the code itself, or UK), so counts and
filters see one place; any other text is kept as written, never guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from babel import Locale
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contracts.places import COUNTRY_CODES, DONT_KNOW, OTHER, RATHER_NOT_SAY

# The languages intake asks in (intake/i18n.py): the ones old answers are written in.
REPORT_LANGUAGES = ("en", "zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")
# ISO 3166 reserves UK for the United Kingdom at its request; people type it.
RESERVED_ALIASES = {"UK": "GB"}
# CLDR's short and variant names, which Babel does not carry, for the places
# this domain names most ("Hong Kong", not "Hong Kong SAR China"; "Turkey").
# A bounded table: anything else not a CLDR name is shown as written.
VARIANT_NAMES = {
    "usa": "US", "united states of america": "US", "america": "US", "britain": "GB",
    "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "holland": "NL", "hong kong": "HK", "香港": "HK",
    "macao": "MO", "macau": "MO", "澳门": "MO", "澳門": "MO", "turkey": "TR",
    "palestine": "PS", "czech republic": "CZ", "burma": "MM", "ivory coast": "CI",
    "east timor": "TL", "swaziland": "SZ",
}  # fmt: skip
NO_PLACE_LABELS: dict[str, LazyString] = {
    DONT_KNOW: _l("(does not know)"),
    RATHER_NOT_SAY: _l("(would rather not say)"),
    OTHER: _l("(another state or group, not named)"),
}
_ENGLISH = Locale("en")


# Punctuation around a name ("Royaume-Uni.", "«英国»") is not part of it.
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def _folded(text: str) -> str:
    text = _EDGES.sub("", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.replace("-", " ").split())


@cache
def _codes_by_name() -> dict[str, str]:
    """Folded CLDR name, in any report language, -> code; a name two codes share is left out."""
    found: dict[str, set[str]] = {}
    for language in REPORT_LANGUAGES:
        territories = Locale.parse(language).territories
        for code in COUNTRY_CODES:
            if code in territories:
                found.setdefault(_folded(territories[code]), set()).add(code)
    return {name: codes.pop() for name, codes in found.items() if len(codes) == 1}


def place_of(answer: str) -> str:
    """The code `answer` names, or `answer` itself (stripped) when it names no country for sure."""
    text = answer.strip()
    if text in COUNTRY_CODES or text in NO_PLACE_LABELS:
        return text
    upper = text.upper()
    if upper in COUNTRY_CODES:
        return upper
    if upper in RESERVED_ALIASES:
        return RESERVED_ALIASES[upper]
    folded = _folded(text)
    return _codes_by_name().get(folded) or VARIANT_NAMES.get(folded, text)


def place_label(place: str, locale: Locale | None = None) -> str:
    """How a reviewer sees `place`: a country's CLDR name in `locale`, else the text as written."""
    if place in NO_PLACE_LABELS:
        return str(NO_PLACE_LABELS[place])
    if place in COUNTRY_CODES:
        names = (locale or _ENGLISH).territories
        return str(names.get(place) or _ENGLISH.territories[place])
    return place
