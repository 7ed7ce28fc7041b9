"""Identifiers in report answers (phones, e-mail, URLs, messenger ids, plates, addresses).

The same harasser's number in five reports is the single most useful thing a
reviewer can see, so every identifier is reduced to one canonical form before
comparison: E.164 for phones (WhatsApp ids are phones), lower case for e-mail
and handles, and so on.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from review.casefile.report_reader import Report
from review.casefile.textnorm import fold_digits, normalise

# Every pattern here runs over reporter-typed text at every unlock, so none may
# backtrack more than a bounded amount: no nested or adjacent unbounded
# repetitions, whitespace runs bounded, and word edges written as ASCII
# lookarounds. (\b is useless here: between 邮箱 and "zhang" there is no word
# boundary, since \w includes CJK.)
# (?a:...): under IGNORECASE a Unicode-mode [a-z] also matches "ſ" (U+017F) and
# the Kelvin sign "K" (U+212A), which fold to s and k; these classes mean ASCII.
_NOT_AFTER_ASCII = r"(?a:(?<![A-Za-z0-9_]))"
_NOT_BEFORE_ASCII = r"(?a:(?![A-Za-z0-9_]))"
_SEPARATOR = r"[ \t]{0,3}[:：]?[ \t]{0,3}"
# RFC 5321 limits; e-mail is found by expanding outwards from each "@".
_EMAIL_LOCAL_CHARS = frozenset(string.ascii_letters + string.digits + "._%+-")
_EMAIL_DOMAIN_CHARS = frozenset(string.ascii_letters + string.digits + ".-")
_EMAIL_LOCAL_MAX = 64
_EMAIL_DOMAIN_MAX = 255
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(_DOMAIN_LABEL + r"(?:\." + _DOMAIN_LABEL + ")+")
# URLs end at the first character that is not an ASCII URL character, so
# "网址https://example.com/abc看看" yields https://example.com/abc.
_URL = re.compile(_NOT_AFTER_ASCII + r"https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%()\[\]]+",
                  re.IGNORECASE | re.ASCII)
_TELEGRAM = re.compile(
    r"(?:" + _NOT_AFTER_ASCII + r"t(?:elegram)?\.me/"
    r"|(?:" + _NOT_AFTER_ASCII + r"(?:telegram|tg)|телеграм|电报|電報)" + _SEPARATOR + r"@?)"
    r"(?a:([a-z][a-z0-9_]{4,31}))" + _NOT_BEFORE_ASCII,
    re.IGNORECASE,
)
_WHATSAPP_LINK = re.compile(_NOT_AFTER_ASCII + r"wa\.me/\+?([0-9]{6,15})" + _NOT_BEFORE_ASCII,
                            re.IGNORECASE | re.ASCII)
_WECHAT = re.compile(
    r"(?:" + _NOT_AFTER_ASCII + r"(?:wechat|weixin|wx)(?:[ \t]{0,3}id)?" + _NOT_BEFORE_ASCII
    + r"|微信号?[是为]?)" + _SEPARATOR + r"(?a:([a-z][a-z0-9_-]{5,19})(?![A-Za-z0-9_-]))",
    re.IGNORECASE,
)
_WECHAT_INTERNAL = re.compile(_NOT_AFTER_ASCII + r"wxid_[a-z0-9]{6,22}" + _NOT_BEFORE_ASCII,
                              re.IGNORECASE | re.ASCII)
# The phone matcher is slow; text without six digits in a row (allowing
# separators) cannot hold a phone number, and most answers hold none.
_MAYBE_PHONE = re.compile(r"[0-9](?:[ \t\-.()/]{0,3}[0-9]){5,}")
# Candidates the phone matcher may try per answer: a real answer holds a few
# numbers; a wall of digits must not cost seconds at every unlock.
MAX_PHONE_TRIES = 1000
_TRAILING = ".,;:!?)]}>'\"，。"
# Questionnaire fields whose whole value is a plate or a street address.
PLATE_FIELD_HINT = "plate"
ADDRESS_FIELD_HINT = "address"
# Labels a reporter puts before a plate or an address on a line of free text
# ("plate: AB-123-CD", "地址：..."), in the languages Haven accepts. One table,
# so a label can never be a plate to one check and an address to another.
# "car" and "vehicle" are not plate labels: "car: grey Toyota van" is a description.
LABELS: dict[str, tuple[str, ...]] = {
    "plate": (
        "licence plate", "license plate", "number plate", "plate", "plaque",
        "immatriculation", "车牌号码", "车牌号", "车牌", "車牌號碼", "車牌號", "車牌",
        "номер машины", "госномер", "plaka", "پلاک", "لوحة",
    ),
    "address": (
        "address", "adresse", "地址", "адрес", "adres", "آدرس", "نشانی", "العنوان",
        "عنوان", "ئادرېس",
    ),
}


def _label_group(kind: str) -> str:
    # Longest first, so "车牌号码" is not read as "车牌" followed by "号码".
    labels = sorted(LABELS[kind], key=len, reverse=True)
    return f"(?P<{kind}>" + "|".join(re.escape(label).replace(r"\ ", "[ \t]+")
                                     for label in labels) + ")"


# [ \t] and [^\r\n], not \s and .: a label with nothing after it on its line
# ("plate:" then a new paragraph) must not swallow the next line. No "$": with
# MULTILINE it matches only before "\n", and browsers send textarea lines
# ending in "\r\n"; the value stops at either character anyway.
_LABELLED = re.compile(
    r"^[ \t]*(?:" + _label_group("plate") + "|" + _label_group("address") + r")[ \t]*[:：]"
    r"(?P<value>[^\r\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
MAX_LABELLED_VALUE_CHARS = 200


@dataclass(frozen=True, order=True)
class Identifier:
    """One canonical identifier; equal identifiers in two reports link the reports."""

    kind: str
    value: str


def extract(report: Report) -> set[Identifier]:
    """Every identifier found in the answers of `report`."""
    region = _region(report.country)
    found: set[Identifier] = set()
    for field_name, raw_text in report.texts():
        # Arabic-Indic and Persian digits become ASCII first, so a number is
        # the same identifier whichever keyboard typed it.
        text = fold_digits(raw_text)
        lowered = field_name.lower()
        if PLATE_FIELD_HINT in lowered:
            found.add(_plate(text))
        elif ADDRESS_FIELD_HINT in lowered and "mail" not in lowered:
            found.add(_address(text))
        else:
            found.update(_labelled(text))
            found.update(_from_free_text(text, region))
    found.discard(Identifier("plate", ""))
    found.discard(Identifier("address", ""))
    return found


def _plate(text: str) -> Identifier:
    return Identifier("plate", re.sub(r"[\s.\-·]", "", fold_digits(text)).upper())


def _address(text: str) -> Identifier:
    return Identifier("address", " ".join(re.sub(r"[^\w\s]", " ", normalise(text)).split()))


def _labelled(text: str) -> Iterator[Identifier]:
    if "\r" in text:
        # A lone "\r" (old Mac line ends) starts a line too; "^" only knows "\n".
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for match in _LABELLED.finditer(text):
        value = match.group("value").strip()[:MAX_LABELLED_VALUE_CHARS]
        if not value:
            continue
        yield _plate(value) if match.group("plate") else _address(value)


def emails(text: str) -> Iterator[str]:
    """E-mail addresses in `text`, lower-cased, found by expanding around each "@".

    Linear in the text: each "@" looks at most 64 characters back and 255
    forward, and the local part is ASCII only, so an address written straight
    after Chinese text ("邮箱是zhang.wei@163.com请注意") is cut out cleanly.
    """
    at = text.find("@")
    while at != -1:
        start = at
        while start > max(0, at - _EMAIL_LOCAL_MAX) and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        end = at + 1
        while end < min(len(text), at + 1 + _EMAIL_DOMAIN_MAX) and text[end] in _EMAIL_DOMAIN_CHARS:
            end += 1
        local = text[start:at].strip(".")
        domain = _DOMAIN.match(text, at + 1, end)
        if local and domain is not None:
            yield f"{local}@{domain.group(0)}".lower()
        at = text.find("@", at + 1)


def _from_free_text(text: str, region: str | None) -> Iterator[Identifier]:
    for address in emails(text):
        yield Identifier("email", address)
    for match in _URL.finditer(text):
        yield Identifier("url", _canonical_url(match.group(0)))
    for match in _TELEGRAM.finditer(text):
        yield Identifier("telegram", match.group(1).lower())
    for match in _WECHAT.finditer(text):
        yield Identifier("wechat", match.group(1).lower())
    for match in _WECHAT_INTERNAL.finditer(text):
        yield Identifier("wechat", match.group(0).lower())
    for match in _WHATSAPP_LINK.finditer(text):
        phone = _phone("+" + match.group(1), None)
        if phone:
            yield Identifier("phone", phone)
    if not _MAYBE_PHONE.search(text):
        return
    for number in phonenumbers.PhoneNumberMatcher(text, region or "ZZ", max_tries=MAX_PHONE_TRIES):
        yield Identifier(
            "phone", phonenumbers.format_number(number.number, phonenumbers.PhoneNumberFormat.E164)
        )


def _phone(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _canonical_url(url: str) -> str:
    url = url.rstrip(_TRAILING)
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")


def _region(country: str) -> str | None:
    # A two-letter country answer lets local numbers ("06 12 34 56 78") be read too.
    code = country.strip().upper()
    if len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS:
        return code
    return None
