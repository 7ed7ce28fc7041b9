"""Identifiers in report answers (phones, e-mail, URLs, accounts, plates, addresses).

The same harasser's number in five reports is the single most useful thing a
reviewer can see, so every identifier is reduced to one canonical form before
comparison: E.164 for phones (WhatsApp ids are phones), provider rules for
e-mail, one account name per platform, plates without separators, URLs as
host and path. Each is kept with where it was found (the answer and an
excerpt), so a reviewer sees why two cases are linked.

Two spellings that cannot be fully resolved still link, loosely: a national
number whose country is unknown ("07911 123456" in a report with no country)
matches any phone with the same national significant number, and a bare
"@name" matches that name on any platform. Two fully resolved identifiers
never link loosely: +44 7911 123456 and +33 7911 123456 are different phones.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from review.casefile import handles, phones, regions
from review.casefile.email_rules import canonical_email
from review.casefile.report_reader import COUNTRY_HINT_FIELDS, Report
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
# "网址https://example.com/abc看看" yields example.com/abc.
_URL = re.compile(_NOT_AFTER_ASCII + r"https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%()\[\]]+",
                  re.IGNORECASE | re.ASCII)
_TRAILING = ".,;:!?)]}>'\"，。"
# Query parameters that say who shared a link, not what it points to.
_TRACKING = re.compile(r"utm_.*|fbclid|gclid|igsh|igshid|si|ref|ref_src|s|t", re.ASCII)
_WECHAT = re.compile(
    r"(?:" + _NOT_AFTER_ASCII + r"(?:wechat|weixin|wx)(?:[ \t]{0,3}id)?" + _NOT_BEFORE_ASCII
    + r"|微信号?[是为]?)" + _SEPARATOR + r"(?a:([a-z][a-z0-9_-]{5,19})(?![A-Za-z0-9_-]))",
    re.IGNORECASE,
)
# WeChat ids are 6 to 20 characters (Weixin's rules); after an explicit label
# and colon ("WeChat: abc") a shorter one is what the reporter wrote down.
_WECHAT_LABELLED = re.compile(
    _NOT_AFTER_ASCII + r"(?:wechat|weixin)(?:[ \t]{0,3}id)?[ \t]{0,3}[:：][ \t]{0,3}"
    r"(?a:([a-z][a-z0-9_-]{2,19})(?![A-Za-z0-9_-]))|微信号?[:：][ \t]{0,3}"
    r"(?a:([a-z][a-z0-9_-]{2,19})(?![A-Za-z0-9_-]))",
    re.IGNORECASE,
)
_WECHAT_INTERNAL = re.compile(_NOT_AFTER_ASCII + r"wxid_[a-z0-9]{6,22}" + _NOT_BEFORE_ASCII,
                              re.IGNORECASE | re.ASCII)
# Questionnaire fields whose whole value is a plate or a street address.
PLATE_FIELD_HINT = "plate"
ADDRESS_FIELD_HINT = "address"
# The field name attachment names are scanned under.
ATTACHMENT_FIELD = "attachment_name"
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
# A plate in the middle of a sentence ("a van, plate AB-123-CD, waited"): after a
# plate label, written in capitals and digits (how plates are written and
# copied), in at most three groups of two or more characters, with a digit.
_PLATE_GROUP = r"[A-Z0-9]{2,8}"
_PLATE_VALUE = (r"(?P<plate_value>(?:[\u4e00-\u9fff][ \t]?)?" + _PLATE_GROUP
                + r"(?:[\-·.]" + _PLATE_GROUP + r"|[ \t]" + _PLATE_GROUP + r"){0,3})"
                + r"(?![A-Za-z0-9])")
_PLATE_IN_LINE = re.compile(
    r"(?i:" + _NOT_AFTER_ASCII + _label_group("plate") + r")"
    r"(?i:[ \t]{0,3}(?:number|no\.|n°|numéro|номер))?[ \t]{0,3}[:：#]?[ \t]{0,3}" + _PLATE_VALUE
)
# Plate formats distinctive enough to be read without a label: France's SIV
# ("AB-123-CD") and mainland China's (a province character, a letter, five or six).
_PLATE_SHAPES = re.compile(
    r"(?<![A-Za-z0-9\-])[A-Z]{2}-[0-9]{3}-[A-Z]{2}(?![A-Za-z0-9\-])"
    r"|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·・.]?[A-Z0-9]{5,6}"
    r"(?![A-Za-z0-9])"
)
PLATE_MIN_CHARS = 4
PLATE_MAX_CHARS = 10
# How much of the answer around an identifier the case page shows.
EXCERPT_CHARS = 40
# Places one identifier is remembered in per case: enough to say where it is.
MAX_OCCURRENCES = 3
# The fewest digits a search term needs to be read as a phone number.
QUERY_PHONE_MIN_DIGITS = 6
# Kinds matched loosely (see the module docstring), and what they match on.
UNRESOLVED = frozenset({"national_number", "handle"})
ACCOUNT_KINDS = frozenset({*handles.PLATFORMS, "wechat", "handle"})


@dataclass(frozen=True, order=True)
class Identifier:
    """One canonical identifier; equal (or loosely equal) identifiers link two reports."""

    kind: str
    value: str
    # A phone's national significant number, when the extraction knew it (parsing
    # the E.164 form again for it would cost a parse per phone at every unlock).
    national: str = field(default="", compare=False)

    @property
    def loose(self) -> tuple[str, str] | None:
        """What this identifier matches on when one side is unresolved, if anything."""
        if self.kind == "phone":
            return "national_number", self.national or phones.national_significant(self.value)
        if self.kind == "national_number":
            return "national_number", self.value
        if self.kind in ACCOUNT_KINDS:
            return "handle", self.value
        return None

    def matches(self, other: Identifier) -> bool:
        """Whether `other` is this identifier, or loosely it (one side unresolved)."""
        if self == other:
            return True
        if self.kind not in UNRESOLVED and other.kind not in UNRESOLVED:
            return False
        return self.loose is not None and self.loose == other.loose


@dataclass(frozen=True)
class Occurrence:
    """Where an identifier was found: the answer's field and the text around it."""

    field: str
    before: str
    match: str
    after: str


def find(report: Report) -> dict[Identifier, tuple[Occurrence, ...]]:
    """Every identifier in the answers, follow-ups and attachment names of `report`."""
    hints = regions.hints(_country_answers(report), report.language)
    found: dict[Identifier, list[Occurrence]] = {}
    texts = [*report.texts(), *((ATTACHMENT_FIELD, a.original_name)
                                for a in report.all_attachments())]
    for field_name, raw_text in texts:
        # Arabic-Indic and Persian digits become ASCII first, so a number is
        # the same identifier whichever keyboard typed it (same length: the
        # spans found are spans of the reporter's text).
        text = fold_digits(raw_text)
        for identifier, start, end in in_text(field_name, text, hints):
            if not identifier.value:
                continue
            places = found.setdefault(identifier, [])
            if len(places) < MAX_OCCURRENCES:
                places.append(_occurrence(field_name, raw_text, start, end))
    return {identifier: tuple(places) for identifier, places in found.items()}


def extract(report: Report) -> set[Identifier]:
    """Every identifier found in `report`."""
    return set(find(report))


def in_text(field_name: str, text: str,
            hints: Sequence[str]) -> Iterator[tuple[Identifier, int, int]]:
    """The identifiers of one answer (ASCII digits), with their spans."""
    lowered = field_name.lower()
    if PLATE_FIELD_HINT in lowered:
        yield _plate(text), 0, len(text)
    elif ADDRESS_FIELD_HINT in lowered and "mail" not in lowered:
        yield _address(text), 0, len(text)
    else:
        yield from _labelled(text)
        yield from _from_free_text(text, hints)


def query_identifiers(query: str) -> set[Identifier]:
    """What a search term means as an identifier, in every reading that makes sense.

    "7911123456", "07911 123456", "+44 7911 123456" and "0044 7911 123456" all
    read as that phone (the first two as a national number of unknown country);
    "@lnd_patriot" and "lnd_patriot" as that account on any platform;
    "ab 123 cd" as the plate AB123CD.
    """
    text = fold_digits(query.strip())
    readings = {identifier for identifier, _, _ in _from_free_text(text, ())}
    digits = re.sub(r"[^0-9]", "", text)
    if re.fullmatch(r"\+?[0-9 \t\-.()/]+", text) and len(digits) >= QUERY_PHONE_MIN_DIGITS:
        if text.startswith("+") or digits.startswith("00"):
            number = phones.e164("+" + digits.removeprefix("00"))
            if number is not None:
                readings.add(Identifier("phone", number))
        else:
            readings.add(Identifier("national_number", digits.removeprefix("0")))
            number = phones.e164("+" + digits)
            if number is not None:
                readings.add(Identifier("phone", number))
    account = text.removeprefix("@").lower()
    if re.fullmatch(r"[a-z0-9_][a-z0-9_.]{1,49}", account, re.ASCII):
        readings.add(Identifier("handle", account.rstrip(".")))
    plate = _plate(text).value
    if PLATE_MIN_CHARS <= len(plate) <= PLATE_MAX_CHARS and _looks_like_plate(plate):
        readings.add(Identifier("plate", plate))
    if "@" in text and "." in text.rpartition("@")[2] and " " not in text:
        readings.add(Identifier("email", canonical_email(text)))
    return readings


def _country_answers(report: Report) -> list[str]:
    answers = [report.answers.get(name) for name in COUNTRY_HINT_FIELDS]
    return [answer for answer in answers if isinstance(answer, str) and answer.strip()]


def _occurrence(field_name: str, text: str, start: int, end: int) -> Occurrence:
    before = text[max(0, start - EXCERPT_CHARS):start]
    after = text[end:end + EXCERPT_CHARS]
    return Occurrence(field_name, ("…" if start > EXCERPT_CHARS else "") + before.lstrip(),
                      text[start:end], after.rstrip() + ("…" if end + EXCERPT_CHARS < len(text)
                                                         else ""))


def _looks_like_plate(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(not c.isdigit() for c in value)


def _plate(text: str) -> Identifier:
    return Identifier("plate", re.sub(r"[\s.\-·・]", "", fold_digits(text)).upper())


def _address(text: str) -> Identifier:
    return Identifier("address", " ".join(re.sub(r"[^\w\s]", " ", normalise(text)).split()))


def _labelled(text: str) -> Iterator[tuple[Identifier, int, int]]:
    if "\r" in text:
        # A lone "\r" (old Mac line ends) starts a line too; "^" only knows "\n".
        # "\r" becomes "\n" one for one, so spans stay those of the text.
        text = text.replace("\r", "\n")
    for match in _LABELLED.finditer(text):
        raw = match.group("value")
        value = raw.strip()[:MAX_LABELLED_VALUE_CHARS]
        if not value:
            continue
        start = match.start("value") + (len(raw) - len(raw.lstrip()))
        end = start + len(value)
        yield (_plate(value) if match.group("plate") else _address(value)), start, end
    for match in _PLATE_IN_LINE.finditer(text):
        plate = _plate(match.group("plate_value"))
        if PLATE_MIN_CHARS <= len(plate.value) <= PLATE_MAX_CHARS and any(
                c.isdigit() for c in plate.value):
            yield plate, match.start("plate_value"), match.end("plate_value")
    for match in _PLATE_SHAPES.finditer(text):
        yield _plate(match.group(0)), match.start(), match.end()


def emails(text: str) -> Iterator[tuple[str, int, int]]:
    """E-mail addresses in `text` with their spans, found by expanding around each "@".

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
            yield f"{local}@{domain.group(0)}", start, domain.end()
        at = text.find("@", at + 1)


def _from_free_text(text: str, hints: Sequence[str]) -> Iterator[tuple[Identifier, int, int]]:
    in_email = bytearray(len(text) + 1)
    for address, start, end in emails(text):
        in_email[start:end] = b"\x01" * (end - start)
        yield Identifier("email", canonical_email(address)), start, end
    for match in _URL.finditer(text):
        yield Identifier("url", canonical_url(match.group(0))), match.start(), match.end()
    for kind, account, start, end in handles.handles(text):
        # "name@example.com" holds no "@example" account.
        if not in_email[start]:
            yield Identifier(kind, account), start, end
    for pattern in (_WECHAT, _WECHAT_LABELLED):
        for match in pattern.finditer(text):
            group = 1 if match.group(1) is not None else 2
            yield Identifier("wechat", match.group(group).lower()), match.start(), match.end()
    for match in _WECHAT_INTERNAL.finditer(text):
        yield Identifier("wechat", match.group(0).lower()), match.start(), match.end()
    for kind, value, national, start, end in phones.phones(text, hints):
        yield Identifier(kind, value, national), start, end


def canonical_url(url: str) -> str:
    """A URL as host and path: no scheme, "www." or default port, no tracking or fragment."""
    url = url.rstrip(_TRAILING).split("#", 1)[0]
    _scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    host = host.rpartition("@")[2].lower().removeprefix("www.")
    host = host.removesuffix(":80").removesuffix(":443")
    path, _, query = path.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
            if not _TRACKING.fullmatch(k)]
    canonical = f"{host}{slash}{path}".rstrip("/")
    return canonical + ("?" + urlencode(kept) if kept else "")
