"""Emergency numbers of the countries where reporters live, by ISO 3166-1 alpha-2 code.

The danger page shows these before anything else (templates/intake/danger.html).
Each number is listed only for what it is documented to reach: a number that
reaches the police alone is never shown as reaching an ambulance, and a number
documented only for mobile phones is shown as such. A country missing here is
not guessed at: the page says to call the local emergency number.

Sources, checked for every entry (December 2026):
- [W] Wikipedia, "List of emergency telephone numbers"
  (https://en.wikipedia.org/wiki/List_of_emergency_telephone_numbers).
- [EU] European Commission, "112, the single European emergency number"
  (Directive (EU) 2018/1972, art. 109: 112 free of charge from any fixed or
  mobile phone in every member state; https://digital-strategy.ec.europa.eu/en/policies/112);
  the Hungarian 112 service's summary of it (https://www.112.hu/en/112_in_the_EU).
- National services, named at each entry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Reach(enum.Enum):
    """What a call to a number is documented to reach."""

    ALL = "all"  # police, fire brigade and ambulance
    POLICE = "police"
    MOBILE = "mobile"  # all three, when dialled from a mobile phone


@dataclass(frozen=True)
class Line:
    """One number to dial, and what it reaches."""

    number: str
    reach: Reach


@dataclass(frozen=True)
class CountryNumbers:
    """The numbers of one country, in the order the page lists them."""

    lines: tuple[Line, ...]

    @property
    def police(self) -> str:
        """The first number that reaches the police from any phone."""
        return next(line.number for line in self.lines if line.reach is not Reach.MOBILE)

    @property
    def from_mobile(self) -> str:
        """The number to dial from a mobile phone: a mobile-only one if documented, else police."""
        mobile = [line.number for line in self.lines if line.reach is Reach.MOBILE]
        everything = [line.number for line in self.lines if line.reach is Reach.ALL]
        return (mobile or everything or [self.police])[0]


def _numbers(*lines: tuple[str, Reach]) -> CountryNumbers:
    return CountryNumbers(tuple(Line(number, reach) for number, reach in lines))


_ALL, _POLICE, _MOBILE = Reach.ALL, Reach.POLICE, Reach.MOBILE

# Every EU member state answers 112 [EU]; the national police number beside it [W].
# Denmark, Estonia, Finland, Lithuania, Malta, the Netherlands, Portugal, Romania,
# Sweden, Bulgaria and Cyprus use 112 as their main number [W][EU].
_EU_112_ONLY = ("BG", "CY", "DK", "EE", "FI", "LT", "MT", "NL", "PT", "RO", "SE")
_EU_POLICE = {
    "AT": "133", "BE": "101", "CZ": "158", "DE": "110", "ES": "091", "FR": "17",
    "GR": "100", "HR": "192", "HU": "107", "IT": "113", "LU": "113", "LV": "110",
    "PL": "997", "SI": "113", "SK": "158",
}  # fmt: skip

EMERGENCY_NUMBERS: dict[str, CountryNumbers] = {
    **{code: _numbers(("112", _ALL)) for code in _EU_112_ONLY},
    **{code: _numbers(("112", _ALL), (police, _POLICE)) for code, police in _EU_POLICE.items()},
    # Ireland: 999 and 112 alike [W][EU].
    "IE": _numbers(("112", _ALL), ("999", _ALL)),
    # United Kingdom: 999 and 112 from any phone (police.uk, "Contact the police").
    "GB": _numbers(("999", _ALL), ("112", _ALL)),
    # Hong Kong: 999; 112 from a mobile phone is connected to 999 (OFCA) [W].
    "HK": _numbers(("999", _ALL), ("112", _MOBILE)),
    # United States and Canada: 911 (FCC; the Canadian Radio-television and
    # Telecommunications Commission) [W].
    "US": _numbers(("911", _ALL)),
    "CA": _numbers(("911", _ALL)),
    # Australia: Triple Zero 000; 112 also from a mobile phone (triplezero.gov.au) [W].
    "AU": _numbers(("000", _ALL), ("112", _MOBILE)),
    # New Zealand: 111 (police.govt.nz) [W].
    "NZ": _numbers(("111", _ALL)),
    # Turkey: 112, the single number since the 155 police line was merged into it [W].
    "TR": _numbers(("112", _ALL)),
    # Kazakhstan and Kyrgyzstan: 112, and the police on 102 [W].
    "KZ": _numbers(("112", _ALL), ("102", _POLICE)),
    "KG": _numbers(("112", _ALL), ("102", _POLICE)),
    # Uzbekistan: 112 in every region since the end of 2024 (Ministry of Digital
    # Technologies, reported by xs.uz); the police on 102 [W].
    "UZ": _numbers(("112", _ALL), ("102", _POLICE)),
    # India: 112, the Emergency Response Support System; the police on 100 [W].
    "IN": _numbers(("112", _ALL), ("100", _POLICE)),
    # Nepal: the police on 100 (Nepal Police, nepalpolice.gov.np) [W].
    "NP": _numbers(("100", _POLICE)),
    # Switzerland: 112, and the police on 117 (ch.ch, "Emergency numbers") [W].
    "CH": _numbers(("112", _ALL), ("117", _POLICE)),
    # Norway: 112 is the police; fire and ambulance have their own numbers (politiet.no) [W].
    "NO": _numbers(("112", _POLICE)),
    # Taiwan: the police on 110; 112 from a mobile phone (National Police Agency) [W].
    "TW": _numbers(("110", _POLICE), ("112", _MOBILE)),
    # Japan: the police on 110 (National Police Agency, npa.go.jp) [W].
    "JP": _numbers(("110", _POLICE)),
    # South Korea: the police on 112 (Korean National Police Agency) [W].
    "KR": _numbers(("112", _POLICE)),
    # Saudi Arabia: 911, the unified number; the police on 999 [W].
    "SA": _numbers(("911", _ALL), ("999", _POLICE)),
    # United Arab Emirates: the police on 999 (Dubai Police, Abu Dhabi Police) [W].
    "AE": _numbers(("999", _POLICE)),
    # Egypt: the police on 122 [W].
    "EG": _numbers(("122", _POLICE)),
}

# Shown when the reporter's country is not known: the host countries of the
# largest Uyghur, Tibetan and Hong Kong communities (intake/places.py), one of
# each number most of them use. 112 is said once, for the whole EU, on the page.
WHERE_MOST_LIVE = ("GB", "US", "CA", "AU", "TR", "KZ", "IN", "NP", "TW", "JP")


def numbers_of(code: str) -> CountryNumbers | None:
    """The numbers of the country with ISO code `code`, or None where none are documented here."""
    return EMERGENCY_NUMBERS.get(code)
