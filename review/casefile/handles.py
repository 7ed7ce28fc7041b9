"""Accounts on messaging and social platforms, however the reporter wrote them.

"@lnd_patriot on X", "X: @lnd_patriot", "twitter.com/lnd_patriot" and
"https://x.com/LND_Patriot" are one account: ("x", "lnd_patriot"). A bare
"@lnd_patriot" with no platform named is a handle of unknown platform; it
links to the same name on any platform (review/casefile/identifiers.py says
how loosely). Telegram and WeChat keep their own kinds and rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """How a platform is named in text, its profile hosts, and its account names' syntax."""

    names: tuple[str, ...]
    hosts: tuple[str, ...]
    account: re.Pattern[str]


# Each platform's documented account syntax, so "@x" in "email me @ home" or a
# sentence's last word is not taken for an account.
PLATFORMS: dict[str, Platform] = {
    "telegram": Platform(("telegram", "tg", "телеграмм", "телеграм", "电报", "電報"),
                         ("t.me", "telegram.me"), re.compile(r"[a-z][a-z0-9_]{4,31}")),
    "x": Platform(("twitter", "x", "推特"), ("x.com", "twitter.com"),
                  re.compile(r"[a-z0-9_]{1,15}")),
    "instagram": Platform(("instagram", "insta", "ig", "инстаграм"), ("instagram.com",),
                          re.compile(r"[a-z0-9._]{1,30}")),
    "tiktok": Platform(("tiktok", "тикток"), ("tiktok.com",), re.compile(r"[a-z0-9._]{2,24}")),
    "facebook": Platform(("facebook", "fb", "фейсбук"), ("facebook.com", "fb.com"),
                         re.compile(r"[a-z0-9.]{5,50}")),
}
# Names this short are ordinary letters too ("x", "ig"): they name a platform
# only with a colon or an "@" after them.
SHORT_NAME = 2
# First path segments of profile hosts that are pages, not accounts.
NOT_ACCOUNTS = frozenset({
    "home", "i", "intent", "share", "search", "hashtag", "explore", "p", "reel", "reels",
    "stories", "watch", "groups", "pages", "profile.php", "joinchat", "s", "c", "login",
    "settings", "messages", "notifications", "tv", "video", "addstickers", "proxy",
})
_NOT_AFTER = r"(?a:(?<![A-Za-z0-9_]))"
_NOT_BEFORE = r"(?a:(?![A-Za-z0-9_]))"
_NAME = r"(?a:(?P<name>[A-Za-z0-9_][A-Za-z0-9_.]{0,49}))"
_ALL_NAMES = sorted({n for p in PLATFORMS.values() for n in p.names}, key=len, reverse=True)
_PLATFORM = "(?P<platform>" + "|".join(re.escape(n) for n in _ALL_NAMES) + ")"
_HOSTS = sorted({h for p in PLATFORMS.values() for h in p.hosts}, key=len, reverse=True)
# Words that put a platform after an account, in the languages Haven accepts.
_ON = r"(?:on|at|via|sur|на|в|auf|en|da|de|في|در|在)"
_BEFORE = re.compile(_NOT_AFTER + _PLATFORM + _NOT_BEFORE
                     + r"[ \t]{0,3}(?P<sep>[:：]|(?a:id)(?a:(?![A-Za-z0-9_])))?[ \t]{0,3}"
                     + r"(?P<at>@)?" + _NAME, re.IGNORECASE)
_AFTER = re.compile(r"(?<![A-Za-z0-9_.@])@" + _NAME
                    + r"(?:[ \t]{1,3}" + _ON + r"[ \t]{1,3}|[ \t]{0,3}[(（][ \t]{0,3})"
                    + _PLATFORM + _NOT_BEFORE, re.IGNORECASE)
_URL = re.compile(_NOT_AFTER + r"(?:https?://)?(?:(?:www|m|mobile)\.)?(?P<host>"
                  + "|".join(re.escape(h) for h in _HOSTS) + r")/@?" + _NAME, re.IGNORECASE)
_BARE = re.compile(r"(?<![A-Za-z0-9_.@])@" + _NAME)

# (kind, account, start, end): kind is a platform of PLATFORMS, or "handle".
Found = tuple[str, str, int, int]


def platform_named(word: str) -> str | None:
    """The platform a word names ("Twitter" -> "x"), if any."""
    lowered = word.lower()
    return next((kind for kind, p in PLATFORMS.items() if lowered in p.names), None)


def _account(kind: str, name: str) -> str | None:
    name = name.rstrip(".").lower()
    if kind == "handle":
        return name or None
    return name if PLATFORMS[kind].account.fullmatch(name) else None


def handles(text: str) -> Iterator[Found]:
    """Every platform account and bare @handle in `text`."""
    # Characters already part of an account found: a later, looser pattern
    # does not read them again. A mask, so each check costs the same however
    # many accounts an answer holds.
    claimed = bytearray(len(text) + 1)

    def keep(kind: str | None, name: str, start: int, end: int) -> Iterator[Found]:
        account = _account(kind, name) if kind is not None else None
        if account is not None and name.rstrip(".").lower() not in NOT_ACCOUNTS:
            claimed[start:end] = b"\x01" * (end - start)
            yield kind or "handle", account, start, end

    for match in _URL.finditer(text):
        host = match.group("host").lower()
        kind = next(k for k, p in PLATFORMS.items() if host in p.hosts)
        yield from keep(kind, match.group("name"), match.start(), match.end())
    for match in _AFTER.finditer(text):
        yield from keep(platform_named(match.group("platform")), match.group("name"),
                        match.start(), match.end())
    for match in _BEFORE.finditer(text):
        word = match.group("platform")
        if len(word) <= SHORT_NAME and not (match.group("sep") or match.group("at")):
            continue
        if not claimed[match.start("name")]:
            yield from keep(platform_named(word), match.group("name"),
                            match.start(), match.end())
    for match in _BARE.finditer(text):
        if not claimed[match.start()]:
            yield from keep("handle", match.group("name"), match.start(), match.end())
