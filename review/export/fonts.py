"""Which writing systems a text uses, and whether this machine has a font for each.

A PDF drawn without a font for Tibetan or Uyghur shows empty boxes, and a court
reads boxes as "the text was lost". So before rendering, the exporter asks
fontconfig (the library Pango, and so WeasyPrint, finds fonts with) for a font
covering the very characters of each script the text uses, and names the Debian
package that provides one where none is installed.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from review.errors import ReviewError


class FontToolMissing(ReviewError):
    """fontconfig's fc-list is not installed, so font coverage cannot be checked."""


@dataclass(frozen=True)
class Script:
    """A writing system, as the summary's fonts are chosen for it."""

    name: str
    # The Debian package whose fonts cover it, named in .ci/run's apt list.
    package: str


LATIN = Script("Latin", "fonts-dejavu-core")
GREEK = Script("Greek", "fonts-dejavu-core")
CYRILLIC = Script("Cyrillic", "fonts-dejavu-core")
ARMENIAN = Script("Armenian", "fonts-noto-core")
GEORGIAN = Script("Georgian", "fonts-noto-core")
HEBREW = Script("Hebrew", "fonts-noto-core")
# Arabic, Persian, Uyghur, Urdu, Kurdish (Sorani): Noto Naskh Arabic and Noto Sans Arabic.
ARABIC = Script("Arabic", "fonts-noto-core")
SYRIAC = Script("Syriac", "fonts-noto-core")
THAANA = Script("Thaana", "fonts-noto-core")
INDIC = Script("Indic", "fonts-noto-core")
THAI = Script("Thai", "fonts-noto-core")
LAO = Script("Lao", "fonts-noto-core")
# Tibetan Machine Uni is the font Tibetan writers know; Noto Serif Tibetan
# (fonts-noto-core) is the fallback. Either stacks consonants through HarfBuzz.
TIBETAN = Script("Tibetan", "fonts-tibetan-machine")
MYANMAR = Script("Myanmar", "fonts-noto-core")
ETHIOPIC = Script("Ethiopic", "fonts-noto-core")
KHMER = Script("Khmer", "fonts-noto-core")
MONGOLIAN = Script("Mongolian", "fonts-noto-core")
# Chinese (simplified and traditional), Japanese kana, Korean hangul.
CJK = Script("Chinese, Japanese, Korean", "fonts-noto-cjk")

# First code point of each range and the script it starts (None: no script
# needs a font of its own: spaces, punctuation shared by all, controls).
_RANGES: tuple[tuple[int, Script | None], ...] = (
    (0x0000, None), (0x0041, LATIN), (0x005B, None), (0x0061, LATIN), (0x007B, None),
    (0x00C0, LATIN), (0x0250, None), (0x0370, GREEK), (0x0400, CYRILLIC),
    (0x0530, ARMENIAN), (0x0590, HEBREW), (0x0600, ARABIC), (0x0700, SYRIAC),
    (0x0750, ARABIC), (0x0780, THAANA), (0x07C0, None), (0x08A0, ARABIC),
    (0x0900, INDIC), (0x0E00, THAI), (0x0E80, LAO), (0x0F00, TIBETAN), (0x1000, MYANMAR),
    (0x10A0, GEORGIAN), (0x1100, CJK), (0x1200, ETHIOPIC), (0x13A0, None),
    (0x1780, KHMER), (0x1800, MONGOLIAN), (0x18B0, None), (0x1E00, LATIN), (0x1F00, GREEK),
    (0x2000, None), (0x2E80, CJK), (0xA000, None), (0xAC00, CJK), (0xD7B0, None),
    (0xF900, CJK), (0xFB00, None), (0xFB1D, HEBREW), (0xFB50, ARABIC), (0xFE00, None),
    (0xFE70, ARABIC), (0xFF00, None), (0xFF21, LATIN), (0xFF3B, None), (0xFF41, LATIN),
    (0xFF5B, None), (0xFF66, CJK), (0xFFE0, None), (0x20000, CJK), (0x323B0, None),
)
_STARTS = [start for start, _ in _RANGES]
# One fc-list call per script: a long narrative's distinct characters are few
# hundred in most scripts, a few thousand in Chinese, well within one command line.
MAX_CHARS_PER_QUERY = 4000


def script_of(char: str) -> Script | None:
    """The script `char` belongs to, or None for characters every font stack shares."""
    return _RANGES[bisect.bisect_right(_STARTS, ord(char)) - 1][1]


def scripts_in(texts: Iterable[str]) -> dict[Script, set[str]]:
    """Each script the texts use, with the distinct characters used in it."""
    found: dict[Script, set[str]] = {}
    for text in texts:
        for char in set(text):
            script = script_of(char)
            if script is not None:
                found.setdefault(script, set()).add(char)
    return found


def has_font_for(chars: Iterable[str]) -> bool:
    """True if fontconfig knows a font that covers every one of `chars`.

    fontconfig reads FONTCONFIG_FILE from the environment, as Pango does when
    WeasyPrint renders, so the answer is about the fonts the PDF will use.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise FontToolMissing("fc-list (Debian package fontconfig) is needed to check fonts")
    codes = sorted({ord(char) for char in chars})[:MAX_CHARS_PER_QUERY]
    charset = " ".join(f"{code:x}" for code in codes)
    result = subprocess.run([fc_list, f":charset={charset}", "family"],
                            capture_output=True, text=True, check=False, timeout=60)
    return result.returncode == 0 and bool(result.stdout.strip())


def missing_fonts(texts: Iterable[str]) -> list[str]:
    """The Debian packages to install so that every script in `texts` has a font, sorted."""
    return sorted({script.package for script in scripts_without_font(texts)})


def scripts_without_font(texts: Iterable[str]) -> list[Script]:
    """The scripts in `texts` that no installed font covers, sorted by name."""
    return sorted((script for script, chars in scripts_in(texts).items()
                   if not has_font_for(chars)), key=lambda script: script.name)
