"""The readable summary of an exported case: one self-contained HTML page, and its PDF.

The page loads nothing: its style is inline and the PDF renderer is given a
fetcher that refuses every URL, so neither a viewer nor WeasyPrint reaches out
when a court's expert opens the package. Every string from the reporter is
escaped, its hidden characters shown as markers, and isolated in <bdi> with
the direction of its first strong letter (what dir="auto" does), so a Persian
sentence runs right to left inside an English page and cannot reorder what
stands around it. WeasyPrint shapes text with HarfBuzz
through Pango: Arabic-script letters join and Tibetan consonants stack, in the
fonts named per script in the template's stylesheet. Where a script has no
installed font, the page says which Debian package provides one, instead of
leaving the reader to wonder about empty boxes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

import templates
from review.casefile.report_reader import RTL_LANGUAGES
from review.errors import ReviewError
from review.export.fonts import Script, missing_fonts, scripts_without_font
from review.export.summary_model import CaseSummary
from review.web.reporter_text import reveal_hidden

__all__ = ["SummaryRenderError", "missing_fonts", "render_summary_html", "render_summary_pdf"]

TEMPLATE = "summary.html"
_TEMPLATE_DIR = Path(templates.__file__).resolve().parent / "review" / "export"


class SummaryRenderError(ReviewError):
    """The summary could not be rendered to PDF."""


class _NoFetching(BaseException):
    """Raised by the PDF fetcher for any URL; nothing in a summary may be fetched.

    A BaseException, as WeasyPrint's own FatalURLFetchingError is: WeasyPrint
    catches every Exception a fetcher raises and renders on without the
    resource, and a summary that asks for one is a defect to stop at.
    """


def render_summary_html(case: CaseSummary, *,
                        fonts_missing: Sequence[Script] | None = None) -> str:
    """The summary of `case` as one HTML page with everything it needs inline.

    `fonts_missing` defaults to the scripts of the case's text that no
    installed font covers (review/export/fonts.py); each is named on the page
    with the package that provides a font for it.
    """
    if fonts_missing is None:
        fonts_missing = scripts_without_font(case_texts(case))
    return _environment().get_template(TEMPLATE).render(
        case=case, language=case.language,
        direction=text_direction(case.language),
        fonts_missing=fonts_missing)


def render_summary_pdf(html: str) -> bytes:
    """`html` (from render_summary_html) as PDF bytes, without fetching anything."""
    # Imported here: WeasyPrint loads Pango and fontconfig on import, which
    # only the export needs, not every review command.
    import weasyprint

    class RefuseEveryURL(weasyprint.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> object:
            raise _NoFetching(url)

    try:
        return bytes(weasyprint.HTML(string=html, url_fetcher=RefuseEveryURL()).write_pdf())
    except _NoFetching as refused:
        raise SummaryRenderError(
            f"the summary asked for an outside resource ({refused}); nothing was fetched"
        ) from None


def case_texts(case: CaseSummary) -> Iterator[str]:
    """Every string the summary shows, for the font check."""
    yield from (case.case_id, case.received_day, case.narrative, case.export_id,
                case.recipient, case.purpose, case.exported_by)
    for pairs in (case.answers, case.consent):
        for label, value in pairs:
            yield label
            yield value
    yield from case.categories
    for event in case.timeline:
        yield from event
    for name, _size, _sha256, media_type in case.items:
        yield name
        yield media_type
    yield from case.verification
    yield from case.limitations


def text_direction(language: str) -> str:
    """ "rtl" or "ltr" for text in the BCP 47 `language`."""
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def direction_of(text: str, default: str = "ltr") -> str:
    """ "rtl" or "ltr" by the first strong character of `text`, as dir="auto" decides.

    Decided here rather than left to dir="auto", which WeasyPrint does not
    implement: the PDF and the HTML page must run each string the same way.
    """
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


def reporter_text(value: object) -> Markup:
    """A reporter's string: escaped, hidden characters shown, isolated in its own direction."""
    text = reveal_hidden(str(value))
    return Markup('<bdi dir="{}">{}</bdi>').format(direction_of(text), _mark_tibetan(text))


# Tibetan letters are small for their point size in every Tibetan font; a
# Tibetan sentence inside a report in another language is set larger (the
# template's .tibetan), as a Tibetan report is by its :lang(bo) rule.
_TIBETAN_RUN = re.compile(r"[\u0f00-\u0fff]+(?:[ \u0f00-\u0fff]*[\u0f00-\u0fff])?")


def _mark_tibetan(text: str) -> Markup:
    """`text` escaped, each run of Tibetan in a span of its own."""
    parts: list[Markup] = []
    position = 0
    for run in _TIBETAN_RUN.finditer(text):
        parts.append(escape(text[position:run.start()]))
        parts.append(Markup('<span class="tibetan">{}</span>').format(run.group()))
        position = run.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def byte_size(size: int) -> str:
    """A size as people read it, with the exact byte count beside it."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit} ({size:,} bytes)"
    return f"{size:,} bytes"


def paragraphs(text: str) -> Iterable[str]:
    """The narrative's paragraphs, split where the reporter left a blank line."""
    return [part.strip("\n") for part in text.replace("\r\n", "\n").split("\n\n")
            if part.strip()]


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATE_DIR),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(reporter_text=reporter_text, byte_size=byte_size,
                               paragraphs=paragraphs, direction_of=direction_of)
    return environment
