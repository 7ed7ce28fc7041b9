"""The receipt page is rendered once per language, then filled in with each reporter's code."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pytest
from flask import Flask
from jinja2 import Environment

from intake.filled_pages import FilledPages
from intake.i18n import LANGUAGE_COOKIE
from intake.receipt_display import receipt_rows
from intake.receipt_page import render_receipt
from tests.intake.forms import MULTIPART, csrf_token, redirected_once

LANGUAGES = ("en", "zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")
CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
SEALED = re.compile(r'name="receipt" value="([^"]+)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def receipt_of_a_report(app: Flask, language: str) -> str:
    """The receipt page a new reporter reading `language` is shown."""
    client = app.test_client()
    client.set_cookie(LANGUAGE_COOKIE, language)
    sent = client.post(
        "/report", content_type=MULTIPART, follow_redirects=True,
        data={"csrf_token": csrf_token(client), "narrative": f"a report in {language}"},
    )  # fmt: skip
    assert redirected_once(sent).status_code == 200
    return sent.get_data(as_text=True)


def as_jinja_renders_it(app: Flask, language: str, page: str) -> str:
    """The receipt page Jinja renders for the code, seal and token `page` shows."""
    [code], [sealed], [token] = (found.findall(page) for found in (CODE, SEALED, TOKEN))
    with app.test_request_context("/receipt", headers={"Cookie": f"{LANGUAGE_COOKIE}={language}"}):
        return render_receipt(code=code, rows=receipt_rows(code), sealed=sealed, csrf=token)


def test_every_receipt_page_is_the_one_jinja_renders(app: Flask) -> None:
    seen = set()
    for language in LANGUAGES:
        # The first is rendered with marks, the second made from what was kept.
        first, second = (receipt_of_a_report(app, language) for _ in range(2))
        assert CODE.findall(first) != CODE.findall(second)
        for page in (first, second):
            assert page == as_jinja_renders_it(app, language, page)
        found = HTML_LANG.search(second)
        assert found
        seen.add(found.group(1))
    assert len(seen) == len(LANGUAGES)


TEMPLATE = (
    '<p title="{{ a }}">{{ _("Hello") }}, {{ b }}</p>{% for c in cs %}<i>{{ c }}</i>{% endfor %}'
)
HOSTILE = ("<script>alert(1)</script>", "\"quoted\" & 'single'", "plain")


def jinja_page(values: Mapping[str, str]) -> str:
    environment = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    environment.install_null_translations()  # type: ignore[attr-defined]
    template = environment.from_string(TEMPLATE)
    return template.render(a=values["a"], b=values["b"], cs=[values["c0"], values["c1"]])


@pytest.mark.parametrize("value", HOSTILE)
def test_values_are_escaped_as_jinja_escapes_them(value: str) -> None:
    pages = FilledPages()
    values = {"a": value, "b": value * 2, "c0": value, "c1": "x"}
    renderings: list[Mapping[str, str]] = []

    def render(slots: Mapping[str, str]) -> str:
        renderings.append(slots)
        return jinja_page(slots)

    for _ in range(3):
        assert pages.page(key="k", values=values, render=render) == jinja_page(values)
    # Rendered once, with marks.
    assert len(renderings) == 1
    assert value not in renderings[0].values()


def test_a_page_that_does_not_show_every_value_is_rendered_each_time() -> None:
    pages = FilledPages()
    values = {"a": "1", "b": "2", "c0": "3", "c1": "4", "unshown": "5"}
    renderings = 0

    def render(slots: Mapping[str, str]) -> str:
        nonlocal renderings
        renderings += 1
        return jinja_page(slots)

    for _ in range(3):
        assert pages.page(key="k", values=values, render=render) == jinja_page(values)
    # Once with marks (refused: "unshown" is nowhere), then with the values each time.
    assert renderings == 4


def test_no_text_a_request_brings_can_stand_for_a_mark() -> None:
    """A script root (or any text of the request's) shaped like a mark is printed as text:
    marks carry a nonce, so the code never lands in a link."""
    pages = FilledPages()
    brought = "/\0a\0/\0b\0/\0c0\0/" + "\0" + "0" * 32 + ":a\0"
    values = {"a": "the-code", "b": "2", "c0": "3", "c1": "4"}

    def render(slots: Mapping[str, str]) -> str:
        return f'<a href="{brought}">' + jinja_page(slots)

    for _ in range(2):
        page = pages.page(key="k", values=values, render=render)
        assert page == render(values)
        assert page.count("the-code") == 1  # where the template prints `a`, not in the link


def test_the_pages_kept_are_bounded_and_the_rest_rendered_each_time() -> None:
    pages = FilledPages(max_keys=2)
    values = {"a": "1", "b": "2", "c0": "3", "c1": "4"}
    renderings: list[str] = []

    def render_for(key: str) -> Callable[[Mapping[str, str]], str]:
        def render(slots: Mapping[str, str]) -> str:
            renderings.append(key)
            return jinja_page(slots)

        return render

    for key in ("one", "two", "three", "three", "one", "three"):
        assert pages.page(key=key, values=values, render=render_for(key)) == jinja_page(values)
    # "one" and "two" once each, with marks; "three", past the bound, every time.
    assert renderings == ["one", "two", "three", "three", "three"]
