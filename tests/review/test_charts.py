"""The dashboard's server-rendered SVG charts: described, and mirrored on RTL pages."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from review.web.charts import BAR_WIDTH, LABEL_WIDTH, bar_chart


def _texts(svg: str) -> list[tuple[float, str, str]]:
    return [
        (float(x), anchor, text)
        for x, anchor, text in re.findall(
            r'<text x="([\d.-]+)" y="[\d.]+" text-anchor="(\w+)" font-size="13">([^<]*)</text>', svg
        )
    ]


RECT = re.compile(r'<rect x="(-?\d+)" y="\d+" width="(\d+)"')


def _rects(svg: str) -> list[tuple[int, int]]:
    return [(int(x), int(w)) for x, w in RECT.findall(svg)]


def test_chart_has_a_title_and_a_description() -> None:
    svg = str(bar_chart("Cases per state", Counter({"China": 3, "<Iran>": 1})))
    assert "<title>Cases per state</title><desc>China: 3; &lt;Iran&gt;: 1</desc>" in svg
    svg = str(bar_chart("T", Counter({"a": 1}), description="Two & more"))
    assert "<desc>Two &amp; more</desc>" in svg


def test_ltr_chart_has_labels_left_and_bars_growing_right() -> None:
    svg = str(bar_chart("T", Counter({"China": 4, "Iran": 2})))
    assert 'direction="ltr"' in svg
    assert _rects(svg) == [(LABEL_WIDTH, BAR_WIDTH), (LABEL_WIDTH, BAR_WIDTH // 2)]
    label, count = _texts(svg)[:2]
    assert label == (LABEL_WIDTH - 8, "end", "China")
    assert count == (LABEL_WIDTH + BAR_WIDTH + 6, "start", "4")


def test_rtl_chart_is_mirrored() -> None:
    svg = str(bar_chart("T", Counter({"الصين": 4, "Iran": 2}), direction="rtl"))
    width = int(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    axis = width - LABEL_WIDTH
    assert 'direction="rtl"' in svg
    # Bars end at the axis and grow leftwards; labels sit to their right.
    assert _rects(svg) == [(axis - BAR_WIDTH, BAR_WIDTH), (axis - BAR_WIDTH // 2, BAR_WIDTH // 2)]
    label, count = _texts(svg)[:2]
    # In RTL text, "end" is the left edge: the label runs rightwards from the axis...
    assert label == (axis + 8, "end", "الصين")
    # ...and "start" is the right edge: the count runs leftwards from the bar's end.
    assert count == (axis - BAR_WIDTH - 6, "start", "4")
    assert all(x >= 0 for x, _ in _rects(svg))


def test_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        bar_chart("T", Counter({"a": 1}), direction="auto")
