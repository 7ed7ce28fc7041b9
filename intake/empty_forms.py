"""The empty report form, rendered once per language and reused with each request's CSRF token.

Rendering the form's ~40 questions through Jinja and WTForms costs more CPU
than anything else a submission does but Argon2 (bench/load_harness.py,
"GET /report"), yet every reporter who opens it in one language gets the
same page but for the CSRF token, which is the only thing on it that is
drawn per request (tests/intake/test_empty_forms.py holds that for every
language). So the first rendering in each language, and for each of the two
ways in (plain, or marked urgent from the danger page), is kept with its
token cut out, and each later request's token is put in its place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

# Marks the token's place: a NUL never occurs in a rendered page.
_VALUE_MARK = "\0csrf-token\0"


class EmptyFormPages:
    """One app's empty report forms, by language and way in."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, bool], str] = {}
        self._lock = threading.Lock()

    def page(
        self, *, language: str, urgent: bool, token: str, render: Callable[[], str]
    ) -> str:
        """The empty form with `token`; `render()` makes it (carrying `token`) the first time."""
        key = (language, urgent)
        with self._lock:
            kept = self._pages.get(key)
        if kept is None:
            page = render()
            if page.count(token) != 1:
                # Not the one token we know how to replace: serve it as rendered.
                return page
            with self._lock:
                self._pages[key] = page.replace(token, _VALUE_MARK)
            return page
        return kept.replace(_VALUE_MARK, token)
