"""Reporter strings cannot hide characters or reorder what the review pages show."""

from __future__ import annotations

import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.web.reporter_text import reporter_text, reveal_hidden
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer

RLO, LRI, RLI, FSI, PDI, ZWSP, ALM = (
    "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u061c")
CONTROLS = (RLO, LRI, RLI, FSI, PDI, ZWSP, ALM)
SPOOFED_NAME = f"invoice{RLO}fdp.desktop"
# Persian for "I want": the zero-width non-joiner is part of how the word is spelt.
PERSIAN = "می\u200cخواهم"


def _marker(char: str) -> str:
    return f"⟨U+{ord(char):04X}⟩"


def _png_with_text(keyword: bytes, text: str) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"tEXt", keyword + b"\x00" + text.encode())
            + chunk(b"IEND", b""))


class _Text(HTMLParser):
    """The text a browser would show (attributes left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _shown_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "".join(parser.parts)


@pytest.mark.parametrize("char", [*CONTROLS, "\u202a", "\u202d", "\u200e", "\u200f", "\ufeff",
                                  "\u2060", "\u00ad", "\U000e0041", "\x1b", "\x00", "\u2028",
                                  "\ud800"])
def test_every_hidden_or_reordering_character_is_revealed(char: str) -> None:
    assert reveal_hidden(f"a{char}b") == f"a{_marker(char)}b"


@pytest.mark.parametrize("text", ["plain", "two\nlines\tand a tab", PERSIAN, "👩\u200d💻",
                                  "ئۇلار مېنىڭ", "名前", ""])
def test_text_without_them_is_shown_as_written(text: str) -> None:
    assert reveal_hidden(text) == text


def test_page_text_is_escaped_revealed_and_isolated() -> None:
    assert reporter_text(f"<b>{RLO}") == f"<bdi>&lt;b&gt;{_marker(RLO)}</bdi>"


def test_no_hidden_character_reaches_a_page_or_a_download_name(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    hostile = f"{LRI}{RLI}{FSI}{PDI}{ZWSP}{ALM}{RLO}"
    submission = encrypted_submission(
        {
            "narrative": f"he said {RLO}gnihton{PDI} and left; {PERSIAN}",
            "state": f"Ch{ZWSP}ina{ALM}",
            "country": f"F{RLI}R",
            "categories": ["threats", f"other{FSI}"],
            "identifiers": f"+33 6 12 34{ZWSP} 56 78 {LRI}",
            f"extra{PDI}": {f"key{RLO}": [f"item{ALM}"]},
        },
        recipients=[alice.recipient],
        attachments=[
            (SPOOFED_NAME, f"application/pdf{RLO}", _png_with_text(b"Author", f"Wang{hostile}")),
        ],
    )
    bundle = BundleWriter([submission]).write(tmp_path / "b.tar")
    import_bundle(workspace, bundle, actor="t")
    assert unlock(client, alice) == 302

    case_page = client.get(f"/case/{submission.id}").get_data(as_text=True)
    for char in CONTROLS:
        assert char not in case_page, f"U+{ord(char):04X} reached the case page"
        assert _marker(char) in case_page
    # The name shows as it really ends, isolated from the words around it.
    assert f"<bdi>invoice{_marker(RLO)}fdp.desktop</bdi>" in case_page
    assert f"Wang{''.join(_marker(c) for c in hostile)}" in case_page
    assert PERSIAN in case_page

    for path in ("/", "/dashboard"):
        shown = _shown_text(client.get(path).get_data(as_text=True))
        for char in CONTROLS:
            assert char not in shown, f"U+{ord(char):04X} shown on {path}"
        assert f"F{_marker(RLI)}R" in shown

    download = client.post(f"/case/{submission.id}/download/attachment-001.age",
                           data={"csrf_token": csrf_token(client, "/")})
    disposition = download.headers["Content-Disposition"]
    saved_as = unquote(disposition.split("filename*=UTF-8''")[1])
    assert saved_as == f"invoice{_marker(RLO)}fdp.desktop"
