"""Horizontal bar charts as SVG, rendered on the server: no JavaScript, no other origin.

Labels come from reporters' answers, so every one is XML-escaped; colours are
presentation attributes, not style attributes, so the strict CSP holds.
"""

from __future__ import annotations

from collections import Counter
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 220
BAR_WIDTH = 360
MAX_BARS = 25
BAR_FILL = "#2f5d8a"


def bar_chart(title: str, counts: Counter[str], *, sort_by_label: bool = False) -> Markup:
    """An accessible SVG bar chart of `counts` (largest first, or by label for months)."""
    rows = sorted(counts.items()) if sort_by_label else counts.most_common()
    rows = rows[:MAX_BARS]
    peak = max((n for _, n in rows), default=0) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, count) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        bar = round(BAR_WIDTH * count / peak)
        text_y = y + BAR_HEIGHT * 0.7
        shown = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y:.1f}" text-anchor="end"'
            f' font-size="13">{escape(shown)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}"'
            f' fill="{BAR_FILL}"><title>{escape(label)}: {count}</title></rect>'
            f'<text x="{LABEL_WIDTH + bar + 6}" y="{text_y:.1f}" font-size="13">{count}</text>'
        )
    parts.append("</svg>")
    # Safe: every interpolated string above was escaped or is a number we computed.
    return Markup("".join(parts))  # noqa: S704
