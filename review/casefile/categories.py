"""Display labels of the incident categories of questionnaire 1.0.0 (intake/questionnaire.py).

Report documents carry stable category values ("family_pressure"); reviewers
read these labels instead, in their own language through the review catalog.
A value this table does not know (a newer questionnaire, a typo in a reviewer's
correction) is shown as it is rather than hidden.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from review.casefile.labels import display_label

CATEGORY_LABELS: dict[str, LazyString] = {
    "physical": _l("Physical attack or plot"),
    "surveillance": _l("Surveillance or stalking"),
    "threats": _l("Direct threats or intimidation"),
    "family_pressure": _l("Pressure through family or friends"),
    "return_pressure": _l("Pressure to return, or luring to a third country"),
    "state_bodies": _l("Contact from state-linked bodies (“police stations”, consulates)"),
    "foreign_systems": _l("Misuse of another country's systems (Interpol, extradition)"),
    "documents": _l("Document and travel controls"),
    "hacking": _l("Spyware, hacking or account takeover"),
    "online_harassment": _l("Online harassment, smears, doxxing"),
    "financial": _l("Financial pressure"),
    "legal": _l("Legal harassment"),
    "informant": _l("Informant recruitment"),
    "other": _l("Other, or not sure"),
}


def category_label(value: str) -> str:
    """The reviewer-facing label of a category value, or the value itself if unknown."""
    return display_label(CATEGORY_LABELS, value)
