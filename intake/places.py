"""Places as choices: ISO 3166 codes named in the reporter's language from Babel's CLDR data.

A plain <select>, which needs no JavaScript and lets a keyboard jump by the
first letters of a name: the answers that mean "no place" first, then the
places most reports name, then every country by its name in the reporter's
language. The value sent and stored is the code (contracts/places.py), so the
same country is one answer whatever language the reporter wrote in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from contracts.places import COUNTRY_CODES, DONT_KNOW, OTHER, RATHER_NOT_SAY

# Where incidents happen most: China, Hong Kong, and the host countries of the
# largest Uyghur, Tibetan and Hong Kong communities abroad (Central Asia and
# Turkey; India and Nepal; the United Kingdom, Canada, Australia, Taiwan;
# Western Europe and North America for all three).
COMMON_COUNTRIES = (
    "CN", "HK", "TR", "KZ", "KG", "UZ", "IN", "NP", "US", "CA", "GB", "AU",
    "TW", "JP", "DE", "FR", "NL", "BE", "SE", "NO", "CH",
)  # fmt: skip
# The states behind most recorded transnational repression (Freedom House,
# 2014-2024; ../shared/notes/domain.md).
COMMON_STATES = ("CN", "TR", "TJ", "RU", "IR", "RW", "EG", "SA", "KH", "BY", "ER")

_ENGLISH = Locale("en")


def place_name(code: str, locale: Locale) -> str:
    """The CLDR name of `code` in `locale`, or the English one where CLDR has none (bo lacks 80)."""
    return str(locale.territories.get(code) or _ENGLISH.territories[code])


def _sort_key(name: str) -> str:
    # Babel brings no collation; accents folded away put "Écosse" beside "Espagne"
    # and "Çin" beside "Cezayir", which is what a reader looking for a name expects.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def by_name(codes: Sequence[str], locale: Locale) -> list[tuple[str, str]]:
    """(name, code) of each of `codes`, named in `locale` and ordered as a reader looks for them."""
    return sorted(((place_name(c, locale), c) for c in codes), key=lambda p: _sort_key(p[0]))


def place_choices(
    *, common: Sequence[str], other: bool = False
) -> Callable[[], list[SelectChoice]]:
    """The choices of a place question, built in the language of the request that renders it."""

    def build() -> list[SelectChoice]:
        locale = get_locale() or _ENGLISH
        answers = [
            SelectChoice("", _l("Choose an answer")),
            SelectChoice(DONT_KNOW, _l("I don't know")),
            SelectChoice(RATHER_NOT_SAY, _l("I'd rather not say")),
        ]
        if other:
            answers.append(SelectChoice(OTHER, _l("Another state or group (say which below)")))
        often = _l("Most often chosen")
        every = _l("All countries")
        named = by_name(common, locale)
        rest = by_name([c for c in COUNTRY_CODES if c not in common], locale)
        return [
            *answers,
            *(SelectChoice(code, name, optgroup=often) for name, code in named),
            *(SelectChoice(code, name, optgroup=every) for name, code in rest),
        ]

    return build
