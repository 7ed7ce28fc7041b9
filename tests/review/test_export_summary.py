"""The readable summary of an exported case: HTML that loads nothing, a PDF whose text is right.

The PDF is checked with poppler's tools, independent of WeasyPrint: the
sentences come back out of pdftotext in their own script and order, and one
page is kept as a picture under test-artifacts/export/ for a person to look at.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest

from review.export.fonts import CJK, TIBETAN, script_of, scripts_in
from review.export.summary import (
    SummaryRenderError,
    direction_of,
    missing_fonts,
    render_summary_html,
    render_summary_pdf,
)
from review.export.summary_model import CaseSummary, ItemEntry, TimelineEvent
from tests.support import require_program

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "export"

CHINESE = "我的哥哥在乌鲁木齐被警察带走了至今没有消息"
TIBETAN_SENTENCE = "ང་ཚོའི་ཕ་མ་ལ་རྒྱ་གར་དུ་ཉེན་ཁ་ཡོད།"
UYGHUR = "ئاكامنى ساقچىلار ئېلىپ كەتتى ھازىرغىچە خەۋەر يوق"
PERSIAN = "برادرم را پلیس در تهران بازداشت کرد و هنوز خبری نیست"
HIDDEN = "photo\u202egpj.exe"

EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>
"""


def _case(**changes: object) -> CaseSummary:
    case = CaseSummary(
        case_id="3f2a9c", language="ug", received_day="2026-11-30",
        narrative=f"{UYGHUR}.\n\n{CHINESE}。\n\n{TIBETAN_SENTENCE}\n\n{PERSIAN}.",
        answers=(("What happened", UYGHUR), ("Where", "乌鲁木齐")),
        categories=("Threats", "Family pressure"),
        timeline=(TimelineEvent("2026-11-30", "Report received", ""),
                  ("2026-12-01", "Follow-up", PERSIAN)),
        items=(ItemEntry(HIDDEN, 123_456, "ab" * 32, "image/jpeg"),),
        consent=(("Legal teams", "yes"),),
        verification=("Inside the bag, run: sha256sum -c manifest-sha256.txt",),
        limitations=("Haven keeps days, not times.",),
        export_id="e-7f3a", recipient="Law firm <b>LLP</b>", purpose="Asylum hearing",
        exported_by="alice")
    return replace(case, **changes)  # type: ignore[arg-type]


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """pdftotext's reading of the PDF, NFKC (presentation forms to letters), controls dropped."""
    pdftotext = require_program("pdftotext", "apt install poppler-utils")
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    # pdftotext wraps right-to-left runs in embedding controls (U+202B ... U+202C).
    return "".join(char for char in unicodedata.normalize("NFKC", text)
                   if unicodedata.category(char) != "Cf")


@pytest.fixture(scope="module")
def summary_pdf() -> bytes:
    """One rendering shared by the module's tests: WeasyPrint takes a second or two."""
    return render_summary_pdf(render_summary_html(_case()))


def test_html_loads_nothing_and_escapes_reporter_text() -> None:
    html = render_summary_html(_case())
    assert not re.search(r"""(?:src|href)\s*=|url\(|@import""", html)
    assert "<b>LLP</b>" not in html and "&lt;b&gt;LLP&lt;/b&gt;" in html
    # The right-to-left override shows as a marker and cannot reorder the name.
    assert "\u202e" not in html and "photo⟨U+202E⟩gpj.exe" in html


def test_html_gives_each_string_its_own_direction() -> None:
    html = render_summary_html(_case())
    assert '<html lang="en" dir="ltr">' in html
    assert f'<p dir="rtl"><bdi dir="rtl">{PERSIAN}.</bdi></p>' in html
    # A Chinese paragraph in a Uyghur report runs left to right.
    assert f'<p dir="ltr"><bdi dir="ltr">{CHINESE}。</bdi></p>' in html
    # Tibetan inside a report in another language is set in its own, larger, face.
    assert f'<bdi dir="ltr"><span class="tibetan">{TIBETAN_SENTENCE}</span></bdi>' in html
    assert direction_of("123 " + PERSIAN) == "rtl"
    assert direction_of("123", default="rtl") == "rtl"


@pytest.mark.slow
def test_pdf_text_has_every_script(summary_pdf: bytes, tmp_path: Path) -> None:
    text = _pdf_text(summary_pdf, tmp_path)
    for sentence in (CHINESE, TIBETAN_SENTENCE, UYGHUR, PERSIAN):
        assert unicodedata.normalize("NFKC", sentence) in text, sentence
    assert "ab" * 32 in text.replace("\n", "")


@pytest.mark.slow
def test_pdf_joins_arabic_script_letters(tmp_path: Path) -> None:
    """The same letters kept apart by ZERO WIDTH NON-JOINER draw differently: shaping ran."""
    pdftoppm = require_program("pdftoppm", "apt install poppler-utils")
    word = "بازداشت"
    pictures = []
    for name, text in (("joined", word), ("apart", "\u200c".join(word))):
        case = _case(narrative=text, answers=(), timeline=(), items=(), language="fa")
        (tmp_path / f"{name}.pdf").write_bytes(render_summary_pdf(render_summary_html(case)))
        subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
        pictures.append((tmp_path / f"{name}.png").read_bytes())
    assert pictures[0] != pictures[1]


@pytest.mark.slow
def test_one_page_is_kept_for_a_person_to_look_at(summary_pdf: bytes, tmp_path: Path) -> None:
    pdftoppm = require_program("pdftoppm", "apt install poppler-utils")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "summary.pdf").write_bytes(summary_pdf)
    subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "summary.pdf"), str(ARTIFACTS / "summary-page-1")],
                   check=True)
    assert (ARTIFACTS / "summary-page-1.png").read_bytes().startswith(b"\x89PNG")


def test_scripts_are_told_apart() -> None:
    assert script_of("中") is CJK and script_of("ཀ") is TIBETAN
    assert script_of(" ") is None and script_of("7") is None
    assert set(scripts_in([TIBETAN_SENTENCE, "中"])) == {TIBETAN, CJK}


def test_installed_fonts_cover_the_reports_scripts() -> None:
    require_program("fc-list", "apt install fontconfig")
    assert missing_fonts([CHINESE, TIBETAN_SENTENCE, UYGHUR, PERSIAN, "Hello", "Привет"]) == []


def _fontconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *dirs: str) -> None:
    config = tmp_path / "fonts.conf"
    config.write_text(EMPTY_FONTCONFIG.format(
        dirs="".join(f"<dir>{directory}</dir>" for directory in dirs),
        cache=tmp_path / "cache"), encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))


def test_a_script_without_font_names_its_package(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    require_program("fc-list", "apt install fontconfig")
    _fontconfig(tmp_path, monkeypatch, "/usr/share/fonts/truetype/dejavu")
    assert missing_fonts(["Hello", "Привет"]) == []
    assert missing_fonts(["Hello", TIBETAN_SENTENCE]) == ["fonts-tibetan-machine"]
    # DejaVu Sans draws Persian, not Chinese.
    assert missing_fonts([CHINESE, PERSIAN]) == ["fonts-noto-cjk"]
    _fontconfig(tmp_path, monkeypatch)
    assert missing_fonts(["Hello"]) == ["fonts-dejavu-core"]
    assert missing_fonts([PERSIAN, UYGHUR]) == ["fonts-noto-core"]


@pytest.mark.slow
def test_the_pdf_says_which_package_is_missing(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _fontconfig(tmp_path, monkeypatch, "/usr/share/fonts/truetype/dejavu")
    pdf = render_summary_pdf(render_summary_html(_case()))
    text = _pdf_text(pdf, tmp_path)
    assert "Missing fonts" in text
    for line in ("Tibetan: fonts-tibetan-machine", "Chinese, Japanese, Korean: fonts-noto-cjk"):
        assert line in text
    assert "Arabic" not in text  # DejaVu Sans, which this configuration has, draws it


def test_no_notice_when_every_font_is_there() -> None:
    require_program("fc-list", "apt install fontconfig")
    assert "Missing fonts" not in render_summary_html(_case())


def test_the_pdf_renderer_fetches_nothing() -> None:
    html = render_summary_html(_case()).replace(
        "</head>", '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>')
    with pytest.raises(SummaryRenderError, match="outside resource"):
        render_summary_pdf(html)
