"""The empty report form, rendered once per language and reused with each request's CSRF token.

Rendering the form's ~40 questions through Jinja and WTForms costs more CPU
than anything else a submission does but Argon2 (bench/load_harness.py,
"GET /report"), yet every reporter who opens it in one language gets the
same page but for the CSRF token, which is the only thing on it that is
drawn per request (tests/intake/test_empty_forms.py holds that for every
language). So the first rendering in each language, and for each of the two
ways in (plain, or marked urgent from the danger page), and for the path
the site is served under, is kept with its token cut out, and each later
request's token is put in its place, by intake/filled_pages.py (as the
receipt page is): its marks carry a nonce no request can bring, and the
pages it keeps are bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from intake.filled_pages import MAX_KEYS, FilledPages


class EmptyFormPages:
    """One app's empty report forms, by language, way in and the path served under."""

    def __init__(self, *, max_keys: int = MAX_KEYS) -> None:
        self._pages = FilledPages(max_keys=max_keys)

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

        def with_slots(slots: Mapping[str, str]) -> str:
            # WTForms draws the token into the page itself: the rendered page carries
            # this request's, and its one occurrence becomes the slot (a page showing
            # it otherwise than once is not one FilledPages can fill, and is rendered).
            page = render()
            return page.replace(token, slots["csrf"]) if page.count(token) == 1 else page

        return self._pages.page(
            key=(language, urgent, script_root), values={"csrf": token}, render=with_slots
        )
