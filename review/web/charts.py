"""Horizontal bar charts as SVG, rendered on the server: no JavaScript, no other origin.

Labels come from reporters' answers, so every one is XML-escaped, its hidden
characters revealed (reporter_text.py); colours and
direction are presentation attributes, not style attributes, so the strict CSP
holds. Each chart has a <title> and a <desc>, and mirrors on right-to-left pages.
"""

from __future__ import annotations

from collections import Counter
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from review.web.reporter_text import reveal_hidden

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 220
BAR_WIDTH = 360
MAX_BARS = 25
# Longer labels are cut with an ellipsis; the full label is in the data table.
LABEL_CHARS = 32
BAR_FILL = "#2f5d8a"


def bar_chart(
    title: str,
    counts: Counter[str],
    *,
    sort_by_label: bool = False,
    description: str | None = None,
    direction: str = "ltr",
) -> Markup:
    """An accessible SVG bar chart of `counts` (largest first, or by label for months).

    `description` goes in the chart's <desc> (by default, each label with its
    count). With `direction` "rtl" the chart is mirrored for a right-to-left
    page: labels on the right, bars growing leftwards, text laid out RTL.
    """
    if direction not in ("ltr", "rtl"):
        raise ValueError(f"direction must be ltr or rtl, not {direction!r}")
    rtl = direction == "rtl"
    rows = sorted(counts.items()) if sort_by_label else counts.most_common()
    rows = rows[:MAX_BARS]
    peak = max((n for _, n in rows), default=0) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 60
    if description is None:
        description = "; ".join(f"{reveal_hidden(label)}: {count}" for label, count in rows)
    # `direction` makes text-anchor start/end mean right/left, and lays labels out RTL.
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" direction="{direction}"'
        f" aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]
    # The edge between labels and bars, measured from the left.
    axis = width - LABEL_WIDTH if rtl else LABEL_WIDTH
    for index, (label, count) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        bar = round(BAR_WIDTH * count / peak)
        text_y = y + BAR_HEIGHT * 0.7
        # Cut before revealing, so no marker is cut in half.
        shown, full = reveal_hidden(_cut(label)), reveal_hidden(label)
        # Labels end next to the bars; counts start just past each bar's far end.
        label_x = axis + 8 if rtl else axis - 8
        bar_x = axis - bar if rtl else axis
        count_x = axis - bar - 6 if rtl else axis + bar + 6
        parts.append(
            f'<text x="{label_x}" y="{text_y:.1f}" text-anchor="end"'
            f' font-size="13">{escape(shown)}</text>'
            f'<rect x="{bar_x}" y="{y}" width="{bar}" height="{BAR_HEIGHT}"'
            f' fill="{BAR_FILL}"><title>{escape(full)}: {count}</title></rect>'
            f'<text x="{count_x}" y="{text_y:.1f}" text-anchor="start"'
            f' font-size="13">{count}</text>'
        )
    parts.append("</svg>")
    # Safe: every interpolated string above was escaped or is a number we computed.
    return Markup("".join(parts))  # noqa: S704


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
