"""The receipt page: rendered once per language, then filled in with each reporter's code."""

from __future__ import annotations

from collections.abc import Mapping

from flask import render_template, request
from flask_babel import get_locale

from intake.receipt_display import receipt_rows
from intake.state import IntakeState

TEMPLATE = "intake/receipt.html"


def receipt_page(state: IntakeState, code: str, *, sealed: str, csrf: str) -> str:
    """The receipt page showing `code`, its language buttons carrying `sealed` and `csrf`.

    Made by intake/filled_pages.py: its text, in the request's language, is
    rendered once; what is drawn per request (the code, its words and digit
    groups, the seal, the token) goes into its places.
    """
    rows = receipt_rows(code)
    values = {"code": code, "sealed": sealed, "csrf": csrf}
    for number, (word, group) in enumerate(rows):
        values[f"word{number}"] = word
        values[f"group{number}"] = group

    def render(slots: Mapping[str, str]) -> str:
        return render_receipt(
            code=slots["code"],
            rows=[(slots[f"word{number}"], slots[f"group{number}"]) for number in range(len(rows))],
            sealed=slots["sealed"],
            csrf=slots["csrf"],
        )

    # The language shapes the page, its path in the site its links, and the number of
    # words its list of rows.
    key = (str(get_locale() or "en"), request.script_root, len(rows))
    return state.receipt_pages.page(key=key, values=values, render=render)


def render_receipt(*, code: str, rows: list[tuple[str, str]], sealed: str, csrf: str) -> str:
    """The receipt page as Jinja renders it (each request's, before it was kept)."""
    return render_template(TEMPLATE, code=code, rows=rows, sealed=sealed, csrf=csrf)
