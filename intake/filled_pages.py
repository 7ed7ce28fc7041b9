"""Pages rendered once with a mark in each slot, then filled in with each request's values.

Some pages differ between two reporters who read them in one language only
by a few values drawn per request (the receipt page: the code, its digits,
its seal and the form's CSRF token), yet rendering them through Jinja costs
most of a millisecond, mostly their strings each translated through
Flask-Babel's request context. Rendered once per key (the language, and
whatever else shapes the page) with a mark in the place of every value, they
are kept cut at the marks; a request's values, HTML-escaped as Jinja's
autoescape escapes them, then go into those places. This holds only for
templates that do nothing with those values but print them, which the tests
of each page check against Jinja's own rendering, in every language.

Two things keep a request from shaping what others are served. The marks
carry a random nonce drawn per process, so no text a request brings into a
page (its script root in every link, say) can stand for a mark and have
another value put in its place. And the pages kept are bounded (MAX_KEYS):
past that, a page is rendered each time, so keys a client can vary cannot
fill a worker's memory.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Hashable, Mapping

from markupsafe import escape

# Pages kept at most: every language times the few shapes each takes is far fewer.
MAX_KEYS = 64


class FilledPages:
    """One app's pages of one template, each kept by key as pieces between marks."""

    def __init__(self, *, max_keys: int = MAX_KEYS) -> None:
        # For each key: the page's text and slot names, alternately (text first and last),
        # or None for a page these marks cannot fill, rendered with the values each time.
        self._pieces: dict[Hashable, list[str] | None] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys
        # A NUL never occurs in a page Jinja renders from Haven's templates, and the
        # nonce in no text a request brings.
        self._nonce = secrets.token_hex(16)
        self._marks = re.compile(f"\0{self._nonce}:([a-z0-9_]+)\0")

    def mark(self, name: str) -> str:
        """What the page is rendered with in the place of the value called `name`."""
        return f"\0{self._nonce}:{name}\0"

    def page(
        self,
        *,
        key: Hashable,
        values: Mapping[str, str],
        render: Callable[[Mapping[str, str]], str],
    ) -> str:
        """The page of `key` filled with `values`; `render(marks)` makes it the first time.

        `render` is given a mark (see mark()) for each name of `values`, to render
        the page with in their places.
        """
        with self._lock:
            known = key in self._pieces
            pieces = self._pieces.get(key)
            full = len(self._pieces) >= self._max_keys
        if not known:
            if full:
                return render(values)
            pieces = self._marks.split(render({name: self.mark(name) for name in values}))
            if set(pieces[1::2]) != set(values):
                # A value shown nowhere, or a mark of another: not the page this module
                # knows how to fill.
                pieces = None
            with self._lock:
                self._pieces[key] = pieces
        if pieces is None:
            return render(values)
        filled = list(pieces)
        for at in range(1, len(filled), 2):
            filled[at] = str(escape(values[filled[at]]))
        return "".join(filled)
