"""The reviewer's language: which catalogs review has, how a request picks one, its direction.

Only the interface follows the reviewer's language; a report's answers are
always shown in the reporter's own language and direction (templates/review/case.html).
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import current_app, g, request
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from review.casefile.labels import display_label
from review.casefile.report_reader import RTL_LANGUAGES

DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
# app.config key: the languages offered, English first (computed once in the factory).
LANGUAGES_KEY = "HAVEN_REVIEW_LANGUAGES"
# app.config key: the name of the cookie that keeps the chosen language. Like the
# session cookie's, it is new for every process (review/web/app.py, COOKIE_PREFIX):
# another program on 127.0.0.1 cannot set or read it by a name it knows.
LANGUAGE_COOKIE_KEY = "HAVEN_REVIEW_LANGUAGE_COOKIE"
# Where a language chosen by a button of this very request is kept, on flask.g.
CHOSEN_NOW = "haven_review_language_chosen_now"

# The languages review can offer, in the chooser's order (intake's own ten, in
# intake's order), each named in itself so a reviewer finds theirs whatever the
# page's current language.
AUTONYMS: dict[str, str] = {
    "en": "English",
    "zh_Hans": "简体中文",
    "zh_Hant_HK": "繁體中文（香港）",
    "ug": "ئۇيغۇرچە",
    "bo": "བོད་ཡིག",
    "fa": "فارسی",
    "ar": "العربية",
    "ru": "Русский",
    "tr": "Türkçe",
    "fr": "Français",
}

STATUS_LABELS: dict[str, LazyString] = {
    "new": _l("New"),
    "in_review": _l("In review"),
    "needs_information": _l("Needs information"),
    "referred": _l("Referred"),
    "closed_resolved": _l("Closed: resolved"),
    "closed_duplicate": _l("Closed: duplicate"),
    "closed_spam": _l("Closed: spam"),
    "closed_out_of_scope": _l("Closed: out of scope"),
}


# The canned reply statuses (contracts/replies.py), in the reviewer's words; the
# reporter reads each in their own language from intake's catalog.
REPLY_STATUS_LABELS: dict[str, LazyString] = {
    "received": _l("Received"),
    "reading": _l("We are reading it"),
    "may_contact": _l("We may contact them as they asked"),
    "referred_to_lawyer": _l("Referred to a lawyer"),
    "closed": _l("Closed"),
}


def reply_status_label(status: str) -> str:
    """The reviewer-facing label of a reply status, or the name itself if unknown."""
    return display_label(REPLY_STATUS_LABELS, status)


# 0 is the default; higher sorts first (review/triage/record.py PRIORITIES).
PRIORITY_LABELS: dict[int, LazyString] = {
    0: _l("Normal"),
    1: _l("High"),
    2: _l("Highest"),
}


def status_label(status: str) -> str:
    """The reviewer-facing label of a status value, or the value itself if unknown."""
    return display_label(STATUS_LABELS, status)


def priority_label(priority: int) -> str:
    """The reviewer-facing label of a priority, or the number itself if unknown."""
    return display_label(PRIORITY_LABELS, priority)


def available_languages(translations_dir: Path = TRANSLATIONS_DIR) -> tuple[str, ...]:
    """English, then every language of AUTONYMS with a compiled catalog, in chooser order."""
    compiled = {
        path.parent.parent.name for path in translations_dir.glob("*/LC_MESSAGES/messages.mo")
    }
    return tuple(code for code in AUTONYMS if code == DEFAULT_LANGUAGE or code in compiled)


def negotiate(accepted: list[str], supported: tuple[str, ...]) -> str:
    """The first of `accepted` (best first) that a catalog serves, by RFC 4647 lookup.

    A tag is tried as given, then with its last subtag dropped (zh-Hans-CN,
    zh-Hans, zh), so a catalog never serves a tag it does not cover: zh-TW
    does not get simplified Chinese just because both start with "zh".
    """
    by_tag = {language_tag(name).lower(): name for name in supported}
    for tag in accepted:
        subtags = tag.strip().replace("_", "-").lower().split("-")
        while subtags:
            found = by_tag.get("-".join(subtags))
            if found is not None:
                return found
            subtags.pop()
    return DEFAULT_LANGUAGE


def select_locale() -> str:
    """Flask-Babel's locale selector: the reviewer's choice, else Accept-Language, else English."""
    supported: tuple[str, ...] = current_app.config[LANGUAGES_KEY]
    # A language button answered by the page itself (review/web/language_choice.py) is
    # this request's choice; otherwise the cookie, only a hint: an unknown value is ignored.
    choice = g.get(CHOSEN_NOW, "") or request.cookies.get(
        current_app.config[LANGUAGE_COOKIE_KEY], ""
    )
    if choice in supported:
        return str(choice)
    accepted = [tag for tag, quality in request.accept_languages if quality > 0 and tag != "*"]
    return negotiate(accepted, supported)


def language_tag(language: object) -> str:
    """The BCP 47 tag of a catalog or Babel locale name, for `lang` (zh_Hans -> zh-Hans)."""
    return str(language).replace("_", "-")


def text_direction(language: object) -> str:
    """ "rtl" or "ltr", for the `dir` of a page in `language`."""
    primary = str(language).replace("_", "-").split("-")[0].lower()
    return "rtl" if primary in RTL_LANGUAGES else "ltr"


def language_name(tag: str) -> str:
    """A reporter's language named in the reviewer's language ("Uyghur"), else the tag itself."""
    if not tag or tag.lower().startswith("und"):
        # Babel reads "und" (undetermined) as its likeliest locale, which would be a guess.
        return tag
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(get_locale())
    except (ValueError, TypeError, UnknownLocaleError):
        return tag
    return name or tag
