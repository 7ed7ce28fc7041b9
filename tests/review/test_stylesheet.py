"""review.css mirrors on right-to-left pages: it uses logical properties, never left or right."""

from __future__ import annotations

import re
from pathlib import Path

import review

STYLESHEET = Path(review.__file__).parent / "static" / "review.css"
COMMENT = re.compile(r"/\*.*?\*/", re.S)
DECLARATION = re.compile(r"([a-z-]+)\s*:\s*([^;{}]+)")
# Shorthands whose four values run top, right, bottom, left.
FOUR_SIDED = frozenset({"margin", "padding", "inset", "border-width", "border-style",
                        "border-color", "scroll-margin", "scroll-padding"})


def _physical(name: str, value: str) -> bool:
    if re.search(r"\b(left|right)\b", f"{name} {value}"):
        return True
    sides = value.split()
    return name in FOUR_SIDED and len(sides) == 4 and sides[1] != sides[3]


def physical_declarations(css: str) -> list[str]:
    """Declarations that name a physical side, or give a four-sided shorthand unequal sides."""
    declarations = DECLARATION.findall(COMMENT.sub(" ", css))
    return [f"{name}: {value.strip()}" for name, value in declarations
            if _physical(name, value.strip())]


def test_the_stylesheet_uses_logical_properties_only() -> None:
    assert physical_declarations(STYLESHEET.read_text("utf-8")) == []


def test_the_check_finds_physical_sides() -> None:
    assert physical_declarations(".a { margin-left: 1rem; text-align: right }") == [
        "margin-left: 1rem", "text-align: right"]
    assert physical_declarations(".a { padding: 0 1rem 0 2rem; float: left; }") == [
        "padding: 0 1rem 0 2rem", "float: left"]
    assert physical_declarations("/* left */ .a { margin-inline-start: 1rem; margin: 0 }") == []
