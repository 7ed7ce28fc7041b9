"""Both apps' templates are ready for translation: no text a reader sees is outside _()."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import templates

TEMPLATES = Path(templates.__file__).parent
# Words in a template's own markup; text from {{ ... }} is the code's business.
WORD = re.compile(r"[^\W\d_]{2,}")
READ_ATTRIBUTES = frozenset({"aria-label", "title", "alt", "placeholder"})
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)


class _HardCoded(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("style", "script")
        self.found += [v for k, v in attrs if k in READ_ATTRIBUTES and v and WORD.search(v)]

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self.hidden and WORD.search(data):
            self.found.append(data.strip())


def hard_coded_text(source: str) -> list[str]:
    """Words in `source` that no gettext call covers."""
    reader = _HardCoded()
    reader.feed(JINJA.sub(" ", source))
    return reader.found


@pytest.mark.parametrize(
    "template",
    sorted(TEMPLATES.glob("intake/*.html")) + sorted(TEMPLATES.glob("review/*.html")),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_no_template_has_text_outside_gettext(template: Path) -> None:
    assert hard_coded_text(template.read_text("utf-8")) == []


def test_the_check_finds_hard_coded_text() -> None:
    assert hard_coded_text('<p>{{ _("Hello") }} world</p>') == ["world"]
    assert hard_coded_text('<nav aria-label="Main"></nav>') == ["Main"]
    assert hard_coded_text("<p>{{ _('Hello') }} · 112</p>{# a note #}") == []
