"""The empty report form, rendered once per language and reused with each request's CSRF token.

Rendering the form's ~40 questions through Jinja and WTForms costs more CPU
than anything else a submission does but Argon2 (bench/load_harness.py,
"GET /report"), yet every reporter who opens it in one language gets the
same page but for the CSRF token, which is the only thing on it that is
drawn per request (tests/intake/test_empty_forms.py holds that for every
language). So the first rendering in each language, and for each of the two
ways in (plain, or marked urgent from the danger page), and for the path
the site is served under, is kept with its token cut out, and each later
request's token is put in its place. As in intake/filled_pages.py, the mark
carries a nonce no request can bring, and the pages kept are bounded.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable

from intake.filled_pages import MAX_KEYS


class EmptyFormPages:
    """One app's empty report forms, by language and way in."""

    def __init__(self, *, max_keys: int = MAX_KEYS) -> None:
        self._pages: dict[tuple[str, bool, str], str] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys
        # Marks the token's place: a NUL never occurs in a rendered page, nor the nonce.
        self._mark = f"\0{secrets.token_hex(16)}:csrf-token\0"

    def page(
        self,
        *,
        language: str,
        urgent: bool,
        script_root: str,
        token: str,
        render: Callable[[], str],
    ) -> str:
        """The empty form with `token`; `render()` makes it (carrying `token`) the first time.

        `script_root`, the path the site is served under, is in every link of the page.
        """
        key = (language, urgent, script_root)
        with self._lock:
            kept = self._pages.get(key)
            full = len(self._pages) >= self._max_keys
        if kept is None:
            page = render()
            if full or page.count(token) != 1:
                # Not the one token we know how to replace: serve it as rendered.
                return page
            with self._lock:
                self._pages[key] = page.replace(token, self._mark)
            return page
        return kept.replace(self._mark, token)
