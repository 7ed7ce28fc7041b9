"""The dashboard: counts of the reviewer's cases as server-rendered SVG charts."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from review.casefile.categories import category_label
from review.casefile.facets import CaseRow
from review.casefile.places import place_label
from review.web.charts import bar_chart
from review.web.i18n import status_label, text_direction
from review.web.state import refresh_triage, unlocked

blueprint = Blueprint("dashboard", __name__)


@blueprint.route("/dashboard")
@unlocked
def index() -> ResponseReturnValue:
    """Cases per category, state, country, month and status."""
    current = refresh_triage()
    rows = [CaseRow(report, current.triage[i]) for i, report in current.library.reports.items()]
    per_category: Counter[str] = Counter(category_label(c) for row in rows for c in row.categories)
    # Report.state and .country are places (review/casefile/places.py): one per
    # country whatever language the report named it in, labelled in the reviewer's.
    locale = get_locale()
    per_state = Counter(place_label(row.report.state, locale) or _("(not given)") for row in rows)
    per_country = Counter(
        place_label(row.report.country, locale) or _("(not given)") for row in rows
    )
    per_month = Counter(row.report.received_day[:7] for row in rows)
    per_status = Counter(status_label(row.triage.status) for row in rows)
    titled = [
        (_("Cases per category"), _("Category"), per_category, False),
        (_("Cases per state behind them"), _("State"), per_state, False),
        (_("Cases per country where it happened"), _("Country"), per_country, False),
        (_("Cases per month received"), _("Month"), per_month, True),
        (_("Cases per status"), _("Status"), per_status, False),
    ]
    direction = text_direction(get_locale())
    # Each chart with the heading and rows of the data table that goes with it.
    charts = [
        (
            title,
            bar_chart(title, counts, sort_by_label=by_label, direction=direction),
            column,
            sorted(counts.items()) if by_label else counts.most_common(),
        )
        for title, column, counts, by_label in titled
    ]
    return render_template("review/dashboard.html", charts=charts, total=len(rows))
