"""Fuzzing every intake form: arbitrary strings in every field never make a 500.

The report form, the check-back form and the follow-up form each get every
field they render filled with arbitrary text (control characters, huge values,
invalid UTF-8, repeated fields, values outside the choices) mixed with valid
choices, so that some examples are accepted. Each answer is the receipt or
sent page (200) its 303 leads to, or the form sent back (by a 303 too) or an
error page, in the reporter's language; a refusal stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from tests.fuzzing import fuzz
from tests.intake import multipart
from tests.intake.checkback import capability_of, check_back, check_csrf
from tests.intake.forms import csrf_token
from tests.intake.reply_bundles import submit_report
from tests.intake.storage import engine_of, submissions

NAMED = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"')
VALUE = re.compile(r'\bname="([^"]+)"[^>]*\bvalue="([^"]*)"|\bvalue="([^"]*)"[^>]*\bname="([^"]+)"')
LANGUAGE = {"Accept-Language": "fr"}

values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=2000, max_size=12000),
    st.binary(max_size=60),
)


def _fields(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """The names of every field a page renders, and the values it offers for each."""
    names = sorted(set(NAMED.findall(page)) - {"csrf_token", "attachments"})
    offered: dict[str, list[str]] = {}
    for match in VALUE.finditer(page):
        name, value = (match.group(1), match.group(2)) if match.group(1) else (
            match.group(4), match.group(3))
        offered.setdefault(name, []).append(value)
    return names, offered


@st.composite
def form_data(draw: st.DrawFn, names: Sequence[str],
              offered: dict[str, list[str]]) -> list[tuple[str, bytes]]:
    """A few fields hostile, the others absent or plausible: some examples are accepted."""
    hostile = set(draw(st.lists(st.sampled_from(list(names)), max_size=3)))
    chosen: list[tuple[str, bytes]] = []
    for name in names:
        options = offered.get(name, [])
        for _ in range(draw(st.integers(min_value=0, max_value=2 if options else 1))):
            if name in hostile:
                value: str | bytes = draw(values)
            elif options:
                value = draw(st.sampled_from(options))
            else:
                value = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
            chosen.append((name, value if isinstance(value, bytes) else value.encode()))
    return chosen


def _body(token: str, fields: list[tuple[str, bytes]]) -> bytes:
    parts = [multipart.field("csrf_token", token)]
    for name, value in fields:
        parts.append(
            f'--{multipart.BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            .encode() + value + b"\r\n")
    return multipart.body(parts)


def _assert_answered(response: TestResponse, *, accepted_at: str) -> bool:
    """Whether the form was accepted (its redirect led to `accepted_at`); otherwise the
    page it was sent back to, or an error page, must be in French."""
    event(f"status {response.status_code}")  # --hypothesis-show-statistics: both kinds occur
    if response.history:
        # Every POST of a form answers 303: to the page of the accepted report or
        # follow-up, or back to the form with a draft of it.
        assert [step.status_code for step in response.history] == [303]
        if response.request.path == accepted_at:
            assert response.status_code == 200
            return True
    assert response.status_code in (400, 403, 413, 422), response.status_code
    assert 'lang="fr"' in response.get_data(as_text=True)
    return False


@pytest.fixture
def report_fields(client: FlaskClient) -> tuple[list[str], dict[str, list[str]]]:
    return _fields(client.get("/report").get_data(as_text=True))


@fuzz(cost=4)
@given(data=st.data())
def test_the_report_form_takes_any_strings(
    app: Flask, client: FlaskClient, report_fields: tuple[list[str], dict[str, list[str]]],
    data: st.DataObject,
) -> None:
    names, offered = report_fields
    assert "narrative" in names and "consent" in offered, "the form's fields were not found"
    fields = data.draw(form_data(names, offered))
    before = len(submissions(engine_of(app)))
    response = client.post("/report", data=_body(csrf_token(client), fields),
                           content_type=multipart.CONTENT_TYPE, headers=LANGUAGE,
                           follow_redirects=True)  # fmt: skip
    stored = len(submissions(engine_of(app))) - before
    # Accepted: the redirect to the one-time receipt page (POST/redirect/GET).
    assert stored == (1 if _assert_answered(response, accepted_at="/receipt") else 0)


@fuzz(cost=4)
@given(code=values, message=values)
def test_the_check_back_form_takes_any_strings(
    app: Flask, client: FlaskClient, code: str | bytes, message: str | bytes
) -> None:
    before = submissions(engine_of(app))
    response = client.post("/check", headers=LANGUAGE, follow_redirects=True, data={
        "csrf_token": check_csrf(client), "code": code, "message": message})
    # No code matches: a 303 to the one generic "not found" (or a typo's) note, or (past
    # the check-backs a minute allows, which the deep profile reaches) the busy page.
    steps = [step.status_code for step in response.history]
    assert (steps, response.status_code) in (([303], 200), ([], 429)), (steps, response)
    assert 'lang="fr"' in response.get_data(as_text=True)
    assert submissions(engine_of(app)) == before


@pytest.fixture
def follow_up(client: FlaskClient) -> tuple[str, list[str], dict[str, list[str]]]:
    """A capability of a real case, and the follow-up form's fields and choices."""
    results = check_back(client, submit_report(client), headers=LANGUAGE)
    page = results.get_data(as_text=True)
    start = page.index('action="/check/follow-up"')
    names, offered = _fields(page[start:])
    return capability_of(results), [n for n in names if n != "capability"], offered


@fuzz(cost=4)
@given(data=st.data(), keep_capability=st.booleans())
def test_the_follow_up_form_takes_any_strings(
    app: Flask, client: FlaskClient, follow_up: tuple[str, list[str], dict[str, list[str]]],
    data: st.DataObject, keep_capability: bool,
) -> None:
    capability, names, offered = follow_up
    assert "message" in names, "the follow-up form's fields were not found"
    fields = data.draw(form_data(names, offered))
    token = capability.encode() if keep_capability else data.draw(values.map(
        lambda v: v if isinstance(v, bytes) else v.encode()))
    before = len(submissions(engine_of(app)))
    response = client.post(
        "/check/follow-up", data=_body(csrf_token(client), [("capability", token), *fields]),
        content_type=multipart.CONTENT_TYPE, headers=LANGUAGE, follow_redirects=True)
    stored = len(submissions(engine_of(app))) - before
    assert stored == (1 if _assert_answered(response, accepted_at="/check/sent") else 0)
