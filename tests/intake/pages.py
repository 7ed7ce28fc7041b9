"""Every intake page a reporter can see, rendered by the Flask client, and a light HTML model."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask.testing import FlaskClient

from intake.errors import ClientTooSlow, UploadsBusy
from intake.i18n import LANGUAGE_COOKIE
from intake.upload_slots import EXTENSION_KEY as UPLOAD_SLOTS_KEY
from tests.intake.forms import MULTIPART, csrf_token

# Elements whose content a reporter does not read as text.
INVISIBLE = frozenset({"head", "script", "style", "template"})
# Attributes whose values a reporter (or their screen reader) reads.
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})  # fmt: skip


@dataclass
class Element:
    """One start tag: its name and attributes."""

    tag: str
    attrs: dict[str, str]


@dataclass
class Page:
    """A response's status and what the HTML says, in which language."""

    status: int
    html: str
    elements: list[Element] = field(default_factory=list)
    # (language of the enclosing element, text) for every text node and read attribute.
    texts: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""

    @property
    def root(self) -> dict[str, str]:
        """The attributes of <html>."""
        return next(e.attrs for e in self.elements if e.tag == "html")

    def by_id(self) -> dict[str, Element]:
        """Elements carrying an id, by id."""
        return {e.attrs["id"]: e for e in self.elements if "id" in e.attrs}

    def texts_in(self, language: str) -> list[str]:
        """The texts a reader meets in `language` (not the chooser's own names, nor the code)."""
        return [text for lang, text in self.texts if lang == language]


class _Reader(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[tuple[str, str]] = []  # (tag, language)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.page.elements.append(Element(tag, values))
        language = values.get("lang", self.stack[-1][1] if self.stack else "")
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.page.texts.append((language, values[name]))
        if tag not in VOID:
            self.stack.append((tag, language))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text or not self.stack:
            return
        tag, language = self.stack[-1]
        if tag == "title":
            self.page.title = text
        if not any(open_tag in INVISIBLE for open_tag, _ in self.stack) or tag == "title":
            self.page.texts.append((language, text))


def read_page(status: int, html: str) -> Page:
    """Parse `html` into a Page."""
    page = Page(status=status, html=html)
    _Reader(page).feed(html)
    return page


def choose_language(client: FlaskClient, language: str) -> None:
    """Set the chooser's cookie as the chooser link would."""
    client.set_cookie(LANGUAGE_COOKIE, language)


def every_page(client: FlaskClient, *, max_text_chars: int) -> dict[str, Page]:
    """Render every page intake has, in the client's language, by name."""
    pages = {}
    for name, path in (("index", "/"), ("danger", "/danger"), ("form", "/report")):
        response = client.get(path)
        pages[name] = read_page(response.status_code, response.get_data(as_text=True))
    response = client.get("/no-such-page")
    pages["not_found"] = read_page(response.status_code, response.get_data(as_text=True))

    def post(data: dict[str, object]) -> Page:
        response = client.post("/report", content_type=MULTIPART, data=data, follow_redirects=True)
        return read_page(response.status_code, response.get_data(as_text=True))

    # Neither a narrative nor a file: the error a reporter can really meet.
    pages["form_errors"] = post({"csrf_token": csrf_token(client), "narrative": " "})
    # Errors with files attached: the files are dropped and the summary says so. Only a
    # tampered form gets past the fields' maxlength, so WTForms' own message is shown.
    files = [(io.BytesIO(b"one"), "one.txt"), (io.BytesIO(b"two"), "two.txt")]
    pages["form_errors_files"] = post(
        {
            "csrf_token": csrf_token(client),
            "when": "x" * 301,
            "danger_now": "maybe",
            "attachments": files,
        }
    )
    pages["receipt"] = post({"csrf_token": csrf_token(client), "narrative": "it happened"})
    pages["too_large"] = post(
        {"csrf_token": csrf_token(client), "narrative": "x" * (5 * max_text_chars)}
    )
    pages["refused"] = post({"csrf_token": "not-the-token", "narrative": "it happened"})
    pages.update(check_back_pages(client, pages["receipt"]))
    pages.update(slow_client_pages(client))
    return pages


class StalledBody(io.BytesIO):
    """A request body whose client falls below the minimum rate at its first read."""

    def read(self, _size: int | None = -1) -> bytes:
        raise ClientTooSlow("the request body arrived below the minimum rate")

    def readinto(self, _buffer: object) -> int:
        raise ClientTooSlow("the request body arrived below the minimum rate")


def slow_client_pages(client: FlaskClient) -> dict[str, Page]:
    """The pages of a body cut off for its rate, and of an upload beyond the cap ("busy")."""
    pages = {}
    response = client.post(
        "/report",
        data=b"x" * 1000,
        content_type=f"{MULTIPART}; boundary=b",
        environ_overrides={"wsgi.input": StalledBody()},
    )
    pages["too_slow"] = read_page(response.status_code, response.get_data(as_text=True))
    slots = client.application.extensions[UPLOAD_SLOTS_KEY]
    taken = 0
    try:
        while True:
            slots.take()
            taken += 1
    except UploadsBusy:
        response = client.post("/report", content_type=MULTIPART, data={"narrative": "x"})
        pages["busy"] = read_page(response.status_code, response.get_data(as_text=True))
    finally:
        for _ in range(taken):
            slots.give_back()
    return pages


def check_back_pages(client: FlaskClient, receipt: Page) -> dict[str, Page]:
    """The check-back pages: the code form, a wrong code, and a right one (no reply yet)."""
    match = re.search(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>', receipt.html)
    assert match, "the receipt page shows no code"
    pages = {}
    response = client.get("/check")
    pages["check"] = read_page(response.status_code, response.get_data(as_text=True))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', pages["check"].html)
    assert token, "the check-back form carries no CSRF token"
    for name, code in (("check_wrong", "not the code"), ("check_results", match.group(1))):
        response = client.post(
            "/check", data={"csrf_token": token.group(1), "code": code}, follow_redirects=True
        )
        pages[name] = read_page(response.status_code, response.get_data(as_text=True))
    return pages
