"""Fuzzing review's rendering of hostile reports: any document decrypted into a case renders.

A reporter controls the whole plaintext of report.age: its JSON shape and
every string in it. Whatever it holds (a valid document with hostile strings,
JSON of any shape, bytes that are not JSON at all), the case page answers 200,
shows every reporter string escaped and with its hidden characters revealed
(review/web/reporter_text.py), and no markup of the reporter's is live.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st
from markupsafe import escape

import keys
from review.pickup.importer import import_bundle
from review.web.reporter_text import reporter_text, reveal_hidden
from review.workspace.store import Workspace
from tests.fuzzing import fuzz
from tests.review.bundles import BundleWriter, Submission, report_document
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer

# Characters that reorder or hide text; none may reach a page as itself.
REORDERING = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff"
# The payloads below as live markup (review's pages have no <script> and no <img> of their own).
LIVE = ("<script", "<img", "<svg onload", "'><")
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "\"'><svg onload=1>",
            "invoice\u202efdp.desktop", "a\u2066b\u2069c", "\u200b", "{{ 7*7 }}", "javascript:x"]

strings = st.one_of(st.text(max_size=60), st.sampled_from(PAYLOADS),
                    st.lists(st.sampled_from(PAYLOADS + list(REORDERING)), max_size=6).map("".join))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), strings),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(strings, inner, max_size=4)),
    max_leaves=12,
)


@pytest.fixture
def key_kind() -> str:
    """One key kind is enough here: what is fuzzed is the plaintext, not its encryption."""
    return "x25519"


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """The plaintext of report.age: a document with hostile values, any JSON, or any bytes."""
    shape = draw(st.integers(min_value=0, max_value=3))
    if shape == 0:
        return draw(st.binary(max_size=200))
    if shape == 1:
        return json.dumps(draw(json_values)).encode()
    answers = draw(st.dictionaries(st.one_of(st.sampled_from(
        ["narrative", "country", "categories", "consent", "when", "identifiers"]), strings),
        json_values, max_size=6))
    document: dict[str, Any] = report_document(
        answers, language=draw(strings), urgent=draw(st.booleans()),
        attachments=draw(st.lists(st.dictionaries(st.sampled_from(
            ["file", "original_name", "content_type", "size", "sha256"]), json_values),
            max_size=2)))
    if shape == 3:
        # The document's own fields hostile too: any of them of any type.
        key = draw(st.sampled_from(sorted(document)))
        document[key] = draw(json_values)
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode()


# Attributes a browser shows to the reader; others (a button's value, a form's
# action) carry a reporter's string back to the server as it was, unseen.
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
TEXT_INPUTS = {"text", "search", None}


class _ShownText(HTMLParser):
    """Collects what a browser would show of a page: its text and its displayed attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if value is not None and (name in SHOWN_ATTRIBUTES or (
                    tag == "input" and name == "value" and named.get("type") in TEXT_INPUTS)):
                self.shown.append(value)

    def handle_data(self, data: str) -> None:
        self.shown.append(data)


def _assert_safe(page: str) -> None:
    for live in LIVE:
        assert live not in page.lower(), live
    parser = _ShownText()
    parser.feed(page)
    shown = "".join(parser.shown)
    for char in REORDERING:
        assert char not in shown, f"U+{ord(char):04X} is shown on the page"


@fuzz(cost=6)
@given(plaintext=documents())
def test_any_report_plaintext_renders_its_case_page_safely(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path,
    plaintext: bytes,
) -> None:
    ciphertext = keys.encrypt(plaintext, recipients=[alice.recipient])
    submission = Submission(secrets.token_hex(16), "2025-03-14",
                            [("report.age", "report", ciphertext)])
    bundle = BundleWriter([submission]).write(tmp_path / f"{submission.id}.tar")
    import_bundle(workspace, bundle, actor="fuzz")
    # Unlocking decrypts and indexes every report: the first place a hostile one could break.
    assert unlock(client, alice) == 302
    response = client.get(f"/case/{submission.id}")
    if response.status_code == 404:
        # A document review cannot read: the case is listed as damaged, never shown.
        event("damaged")
        inbox = client.get("/")
        assert inbox.status_code == 200
        page = inbox.get_data(as_text=True)
        assert f"<li><code>{submission.id}</code></li>" in page, "not listed as damaged"
        _assert_safe(page)
        return
    event("rendered")
    assert response.status_code == 200
    _assert_safe(response.get_data(as_text=True))
    for path in ("/", "/dashboard"):
        page = client.get(path)
        assert page.status_code == 200, path
        _assert_safe(page.get_data(as_text=True))


@fuzz()
@given(value=st.one_of(st.text(), strings))
def test_reporter_text_escapes_isolates_and_reveals(value: str) -> None:
    shown = str(reporter_text(value))
    assert shown.startswith("<bdi>") and shown.endswith("</bdi>")
    inner = shown[len("<bdi>"):-len("</bdi>")]
    assert inner == str(escape(reveal_hidden(value)))
    assert "<" not in inner and ">" not in inner
    for char in reveal_hidden(value):
        category = unicodedata.category(char)
        assert category not in {"Cf", "Cc", "Cs", "Zl", "Zp"} or char in "\t\n\r\u200c\u200d\u180e"
