"""Which country a report's phone numbers belong to, from every hint the report gives.

A number written the national way ("07911 123456") means nothing without its
country. Reports say the country in many ways: an ISO code from a choice
question ("GB"), or free text in the reporter's language ("英国", "Royaume-Uni",
"بریتانیا"). Names are read with CLDR's territory names (through Babel) in the
ten languages Haven's forms are offered in (review/casefile/places.py, the
same reading the dashboard counts places with), so any of them is recognised
whichever language the reviewer or reporter uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import phonenumbers

from review.casefile.places import place_of

# The reporter's language as a last, weak hint: only languages spoken mainly in
# one country with its own numbering plan. English and Arabic name none (spoken
# in dozens of countries); a region subtag ("zh-Hant-HK") names its own.
LANGUAGE_REGIONS = {"fr": "FR", "ru": "RU", "tr": "TR", "fa": "IR", "ug": "CN", "bo": "CN",
                    "zh": "CN"}


def country_code(answer: str) -> str | None:
    """The ISO 3166 code of a country answer (a code or a name), if phone numbers have one."""
    code = place_of(answer)
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
