"""The language chooser: plain links that switch the page's language and remember it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, redirect, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException
from werkzeug.wrappers import Response

from intake.i18n import (
    AUTONYMS,
    DEFAULT_LANGUAGE,
    LANGUAGE_COOKIE,
    language_tag,
    text_direction,
)
from intake.url_adapter import url_adapter

LANGUAGE_PARAM = "lang"
# Where a chooser link leads from a page that cannot be shown again by a plain GET.
FALLBACK_ENDPOINT = "intake.index"


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
    """Return the chooser's links for this page, each reloading it in one offered language."""
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
        for code in current_app.config["HAVEN_LANGUAGES"]
    ]


def answer_language_link(*, secure_cookie: bool) -> Response | None:
    """Remember the language a chooser link asks for, then show the page again without `?lang`."""
    if request.method not in ("GET", "HEAD") or LANGUAGE_PARAM not in request.args:
        return None
    path, query = _this_page()
    response = redirect(_with_query(path, query), 303)
    remember_language(response, request.args[LANGUAGE_PARAM], secure_cookie=secure_cookie)
    return response


def remember_language(response: Response, chosen: str, *, secure_cookie: bool) -> None:
    """Keep `chosen` for the next pages, if it is an offered language."""
    if chosen in current_app.config["HAVEN_LANGUAGES"]:
        # Only the language code, for this browser session only: nothing identifies the
        # reporter, and nothing outlives a closed browser on a shared computer.
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            httponly=True,
            samesite="Strict",
            secure=secure_cookie,
        )


def install_language_chooser(app: Flask, *, secure_cookie: bool) -> None:
    """Answer chooser links on every page of `app` and give its templates `language_links`."""

    @app.before_request
    def language_link() -> Response | None:
        return answer_language_link(secure_cookie=secure_cookie)

    @app.context_processor
    def chooser() -> dict[str, Any]:
        return {"language_links": language_links}


def _this_page() -> tuple[str, list[tuple[str, str]]]:
    # The page is rebuilt from this app's own routes, never copied from the request path,
    # so a chooser link or redirect can only lead to a page of this site (a request for
    # "//elsewhere.example/" must not become a link to elsewhere.example).
    adapter = url_adapter()
    try:
        endpoint, values = adapter.match(request.path, method="GET")
    except (HTTPException, RoutingException):
        return url_for(FALLBACK_ENDPOINT), []
    # A page reached by POST (the form sent back with errors) is shown again empty.
    query = (
        [(key, value) for key, value in request.args.items(multi=True) if key != LANGUAGE_PARAM]
        if request.method in ("GET", "HEAD")
        else []
    )
    return url_for(endpoint, **values), query


def _with_query(path: str, query: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(query)}" if query else path
