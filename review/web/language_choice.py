"""The language chooser: links (or, where a page holds unsaved work, buttons) that switch
the interface's language and remember it.

A chooser link is the same page with `?lang=<code>`: the answer keeps the choice in
a cookie and sends the reviewer back to the page without it (303). Where a
reviewer may be part-way through something, the chooser is buttons of that
work's form instead (templates/review/_language_buttons.html): on the case page
the reply and the note being written, on the inbox the ticked cases and the bulk
action being prepared. The page comes back at once in the new language with that
work in it (`in_language` of review/web/case.py and inbox.py), and nothing of it
goes into a URL. What the other pages hold is a query (the audit log's case
filter, the inbox's search and jump boxes) or must not be sent back (the unlock
page's passphrase).

The choice is a preference, not a secret, but it is kept like the session: an
HttpOnly, SameSite=Strict cookie under a per-process name, set only by a request
that came from the review app's own pages (same_origin.py), so no other page on
this machine can switch a reviewer's language, not even through the unlock page
that any page may load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_babel import get_locale, refresh
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException
from werkzeug.wrappers import Response

from review.web.i18n import (
    AUTONYMS,
    CHOSEN_NOW,
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE_KEY,
    LANGUAGES_KEY,
    language_tag,
    text_direction,
)
from review.web.same_origin import came_from_own_pages

# The query argument of a chooser link, and the field of a language button.
LANGUAGE_PARAM = "lang"
# Where a chooser link leads from a page that cannot be shown again by a plain GET
# (an error page, a refused POST): the inbox, which goes on to unlock if need be.
FALLBACK_ENDPOINT = "inbox.index"


@dataclass(frozen=True)
class LanguageLink:
    """One entry of the chooser: a language named in itself and the link that picks it."""

    code: str
    name: str
    tag: str
    direction: str
    href: str
    current: bool


def language_links() -> list[LanguageLink]:
    """The chooser's entries for this page, each showing it again in one offered language."""
    current = str(get_locale() or DEFAULT_LANGUAGE)
    path, query = _this_page()
    return [
        LanguageLink(
            code=code,
            name=AUTONYMS[code],
            tag=language_tag(code),
            direction=text_direction(code),
            href=_with_query(path, [*query, (LANGUAGE_PARAM, code)]),
            current=code == current,
        )
        for code in current_app.config[LANGUAGES_KEY]
    ]


def answer_language_link() -> Response | None:
    """Remember the language a chooser link asks for, then show the page again without `?lang`."""
    if request.method not in ("GET", "HEAD") or LANGUAGE_PARAM not in request.args:
        return None
    # The unlock page is open to any page's GET (same_origin.OPEN_ENDPOINTS); a
    # language link is not, since it changes what the reviewer's next pages say.
    if not came_from_own_pages():
        abort(403)
    path, query = _this_page()
    response = redirect(_with_query(path, query), 303)
    remember_language(response, request.args[LANGUAGE_PARAM])
    return response


def remember_language(response: Response, chosen: str) -> None:
    """Keep `chosen` for the next pages, if it is an offered language."""
    if chosen in current_app.config[LANGUAGES_KEY]:
        # Only the language's code, for this browser session: it ends with the browser
        # (and is unknown to the next process, whose cookie name differs).
        response.set_cookie(
            current_app.config[LANGUAGE_COOKIE_KEY],
            chosen,
            httponly=True,
            samesite="Strict",
        )


def show_in_language(chosen: str) -> bool:
    """Render the rest of this request in `chosen` (a language button's answer)."""
    if chosen not in current_app.config[LANGUAGES_KEY]:
        return False
    setattr(g, CHOSEN_NOW, chosen)
    refresh()
    return True


def install_language_chooser(app: Flask, *, cookie_name: str) -> None:
    """Answer chooser links on every page of `app` and give its templates `language_links`.

    Call after the same-origin check is registered: a link from elsewhere is
    refused before it is answered.
    """
    app.config[LANGUAGE_COOKIE_KEY] = cookie_name
    app.before_request(answer_language_link)

    @app.context_processor
    def chooser() -> dict[str, Any]:
        return {"language_links": language_links}


def _this_page() -> tuple[str, list[tuple[str, str]]]:
    # The page is rebuilt from this app's own routes, never copied from the request
    # path, so a chooser link or its redirect can only lead to a page of this app.
    adapter = current_app.url_map.bind(request.host, script_name=request.root_path or "/")
    try:
        endpoint, values = adapter.match(request.path, method="GET")
    except (HTTPException, RoutingException):
        return url_for(FALLBACK_ENDPOINT), []
    # A page reached by POST (a refusal shown in place) is shown again by its GET.
    query = (
        [(key, value) for key, value in request.args.items(multi=True) if key != LANGUAGE_PARAM]
        if request.method in ("GET", "HEAD")
        else []
    )
    return url_for(endpoint, **values), query


def _with_query(path: str, query: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(query)}" if query else path
