"""Display labels of the incident categories of questionnaire 1.0.0 (intake/questionnaire.py).

Report documents carry stable category values ("family_pressure"); reviewers
read these labels instead, in their own language through the review catalog.
A value this table does not know (a newer questionnaire, a typo in a reviewer's
correction) is shown as it is rather than hidden.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def _key(text: str) -> str:
    return "_".join(text.casefold().replace("-", " ").split())


def sort_known(values: Iterable[str]) -> tuple[str, ...]:
    """Known category values, de-duplicated, in the questionnaire's order."""
    chosen = set(values)
    return tuple(v for v in CATEGORY_LABELS if v in chosen)


def recognised(values: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A correction split into known categories and what is not one.

    Corrections were once free text: "threats", "Family pressure" and
    "family-pressure" are read as the category they spell; "Threats, 威胁" left
    behind "威胁", which is kept apart as unrecognised for a reviewer to fix,
    and never counted in the filters or the dashboard as a category.
    """
    by_key = {_key(v): v for v in CATEGORY_LABELS}
    by_key.update({_key(str(label)): v for v, label in CATEGORY_LABELS.items()})
    known: list[str] = []
    unknown: list[str] = []
    for value in values:
        found = by_key.get(_key(value))
        if found is not None:
            known.append(found)
        elif value.strip() and value not in unknown:
            unknown.append(value)
    return sort_known(known), tuple(unknown)
