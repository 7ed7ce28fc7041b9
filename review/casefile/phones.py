"""Phone numbers in reporter text, each reduced to E.164, or to its national number.

A number typed with its country code ("+44 7911 123456", "0044 7911 123456")
is read as it stands. One typed the national way ("07911 123456") is read in
each region the report hints at, strongest first (review/casefile/regions.py);
the first region it is a valid number of wins. When no hinted region makes it
valid, it is kept as a national significant number (the digits after the
trunk prefix 0, "7911123456"): that still links it to "+44 7911 123456" in
another report, and says plainly that its country is not known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import phonenumbers

# The phone matcher is slow; text without six digits in a row (allowing
# separators) cannot hold a phone number, and most answers hold none.
_MAYBE_PHONE = re.compile(r"[0-9](?:[ \t\-.()/]{0,3}[0-9]){5,}")
# Candidates the phone matcher may try per answer and region: a real answer
# holds a few numbers; a wall of digits must not cost seconds at every unlock.
MAX_PHONE_TRIES = 1000
# "00" is the international prefix of most of the world (ITU-T E.164 annex):
# "0044 7911 123456" is +44. Replaced by " +", the same length, so spans stay
# those of the reporter's text. Not inside a number: "1005" and "+86 138 0013"
# hold no prefix.
_INTERNATIONAL_PREFIX = re.compile(r"(?<![0-9+])(?<![0-9][ \t\-.()/])00(?=[1-9])")
# A national number whose country is unknown: the trunk prefix 0 (most of the
# world's plans; 8 in Russia and 1 in North America are not guessed at, since
# they are also ordinary leading digits), then 8 to 12 digits.
_NATIONAL = re.compile(r"(?<![0-9+])0[1-9](?:[ \t\-.()]{0,2}[0-9]){7,11}(?![0-9])")
_WHATSAPP_LINK = re.compile(r"(?a:(?<![A-Za-z0-9_]))wa\.me/\+?([0-9]{6,15})(?a:(?![A-Za-z0-9_]))",
                            re.IGNORECASE | re.ASCII)

# (kind, canonical value, national significant number, start, end): kind is
# "phone" (E.164) or "national_number" (whose value is that number already).
Found = tuple[str, str, str, int, int]


def phones(text: str, regions: Sequence[str]) -> Iterator[Found]:
    """Every phone number in `text` (ASCII digits), read with `regions` as hints."""
    for match in _WHATSAPP_LINK.finditer(text):
        parsed = _valid("+" + match.group(1))
        if parsed is not None:
            yield ("phone", _format(parsed), phonenumbers.national_significant_number(parsed),
                   match.start(), match.end())
    if not _MAYBE_PHONE.search(text):
        return
    dialled = _INTERNATIONAL_PREFIX.sub(" +", text)
    # Characters already read as a number, as a mask (constant cost per check).
    claimed = bytearray(len(dialled) + 1)
    # Without a hint only international numbers can be read ("ZZ": no region).
    for attempt, region in enumerate(regions or ("ZZ",)):
        # A weaker hint costs another pass only if digits are left unread.
        if attempt and not _MAYBE_PHONE.search(_unread(dialled, claimed)):
            break
        for found in phonenumbers.PhoneNumberMatcher(dialled, region, max_tries=MAX_PHONE_TRIES):
            if any(claimed[found.start:found.end]):
                continue
            claimed[found.start:found.end] = b"\x01" * (found.end - found.start)
            # A "+" put in for "00" starts one character after the reporter's "00".
            start = found.start - (dialled[found.start] == "+" != text[found.start])
            yield ("phone", _format(found.number),
                   phonenumbers.national_significant_number(found.number), start, found.end)
    for match in _NATIONAL.finditer(dialled):
        if not any(claimed[match.start():match.end()]):
            digits = re.sub(r"[^0-9]", "", match.group(0))
            yield "national_number", digits[1:], digits[1:], match.start(), match.end()


def e164(text: str, region: str | None = None) -> str | None:
    """`text` as an E.164 number, if it is a valid number (in `region`, when national)."""
    number = _valid(text, region)
    return _format(number) if number is not None else None


def _valid(text: str, region: str | None = None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def national_significant(e164_number: str) -> str:
    """The national significant number of an E.164 number ("+447911123456" -> "7911123456")."""
    return phonenumbers.national_significant_number(phonenumbers.parse(e164_number, None))


def _format(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _unread(text: str, claimed: bytearray) -> str:
    """`text` with the characters already read as numbers blanked out."""
    return "".join(" " if claimed[i] else c for i, c in enumerate(text))
