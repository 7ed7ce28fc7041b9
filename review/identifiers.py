"""Identifiers in report answers (phones, e-mail, URLs, messenger ids, plates, addresses).

The same harasser's number in five reports is the single most useful thing a
reviewer can see, so every identifier is reduced to one canonical form before
comparison: E.164 for phones (WhatsApp ids are phones), lower case for e-mail
and handles, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from review.report import Report
from review.textnorm import normalise

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"\bhttps?://[^\s<>\"'　，。]+", re.IGNORECASE)
_TELEGRAM = re.compile(
    r"(?:\bt(?:elegram)?\.me/|\b(?:telegram|tg|телеграм)\s*[:：]?\s*@?)([a-z][a-z0-9_]{4,31})",
    re.IGNORECASE,
)
_WHATSAPP_LINK = re.compile(r"\bwa\.me/\+?(\d{6,15})", re.IGNORECASE)
_WECHAT = re.compile(
    r"(?:\b(?:wechat|weixin|wx)(?:\s*id)?|微信号?)\s*[:：]?\s*([a-z][a-z0-9_-]{5,19})",
    re.IGNORECASE,
)
_WECHAT_INTERNAL = re.compile(r"\bwxid_[a-z0-9]{6,22}\b", re.IGNORECASE)
# The phone matcher is slow; text without six digits in a row (allowing
# separators) cannot hold a phone number, and most answers hold none.
_MAYBE_PHONE = re.compile(r"\d(?:[\s\-.()/]{0,3}\d){5,}")
_TRAILING = ".,;:!?)]}>'\"，。"
# Questionnaire fields whose whole value is a plate or a street address.
PLATE_FIELD_HINT = "plate"
ADDRESS_FIELD_HINT = "address"
# Lines of free text that the reporter labelled as a plate or an address
# ("plate: AB-123-CD", "地址：..."), in the languages Haven accepts.
_LABELLED = re.compile(
    r"^\s*(?P<label>(?:licen[cs]e\s+)?plate|number\s+plate|car|vehicle|plaque|"
    r"immatriculation|车牌号?|車牌號?|номер(?:\s+машины)?|госномер|plaka|پلاک|لوحة|"
    r"address|adresse|地址|адрес|adres|آدرس|نشانی|العنوان|عنوان|ئادرېس)"
    r"\s*[:：]\s*(?P<value>\S.*?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_ADDRESS_LABELS = re.compile(r"address|adresse|地址|адрес|adres|آدرس|نشانی|عنوان|ئادرېس", re.I)


@dataclass(frozen=True, order=True)
class Identifier:
    """One canonical identifier; equal identifiers in two reports link the reports."""

    kind: str
    value: str


def extract(report: Report) -> set[Identifier]:
    """Every identifier found in the answers of `report`."""
    region = _region(report.country)
    found: set[Identifier] = set()
    for field_name, text in report.texts():
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
    return Identifier("plate", re.sub(r"[\s.\-·]", "", text).upper())


def _address(text: str) -> Identifier:
    return Identifier("address", " ".join(re.sub(r"[^\w\s]", " ", normalise(text)).split()))


def _labelled(text: str) -> Iterator[Identifier]:
    for match in _LABELLED.finditer(text):
        if _ADDRESS_LABELS.fullmatch(match.group("label")):
            yield _address(match.group("value"))
        else:
            yield _plate(match.group("value"))


def _from_free_text(text: str, region: str | None) -> Iterator[Identifier]:
    for match in _EMAIL.finditer(text):
        yield Identifier("email", match.group(0).lower())
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
    for number in phonenumbers.PhoneNumberMatcher(text, region or "ZZ"):
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
