"""Display labels of the choice answers of questionnaire 1.0.0 (intake/questionnaire.py).

Besides its categories (review/casefile/categories.py), a report's answers carry stable
choice values: "signal" among the contact channels, "yes" or "not_sure", an
anonymity level, the consent recipients. Reviewers read these labels instead,
in their own language through the review catalog, worded for the reviewer
("they", not the reporter's "I"). A value this table does not know (a newer
questionnaire, a hand-made report) is shown as it is rather than hidden.
"""

from __future__ import annotations

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from review.casefile.categories import CATEGORY_LABELS
from review.casefile.labels import display_label
from review.casefile.places import place_label, place_of

# The same words as a boolean answer (templates/review/_macros.html).
YES_NO: dict[str, LazyString] = {"yes": _l("yes"), "no": _l("no")}

# Field name -> choice value -> label.
CHOICE_LABELS: dict[str, dict[str, LazyString]] = {
    "danger_now": YES_NO,
    "categories": CATEGORY_LABELS,
    "relatives_at_risk": {**YES_NO, "not_sure": _l("not sure")},
    "contact_wanted": YES_NO,
    "contact_channels": {
        "signal": _l("Signal"),
        "phone": _l("Phone call"),
        "email": _l("E-mail"),
        "organisation": _l("Through an organisation they trust"),
    },
    "voicemail_ok": YES_NO,
    "consent": {
        "police": _l("Police"),
        "ngos": _l("Human-rights organisations"),
        "lawyers": _l("Lawyers"),
        "journalists": _l("Journalists"),
        "statistics": _l("Anonymous statistics"),
        "platforms": _l("Technology companies"),
    },
    "anonymity": {
        "anonymous": _l("Anonymous: record nothing of who they are"),
        "pseudonymous": _l("Under a name they choose"),
        "known_to_reviewers": _l("Known to the reviewers only"),
    },
    "interpreter": {
        **YES_NO,
        "yes_outside_community": _l("yes, from outside their community"),
    },
}


# Answers that name a place: a code since questionnaire 2.0.0, free text before.
PLACE_FIELDS = frozenset({"state", "country", "police_country"})


def choice_label(field: str, value: str) -> str:
    """The reviewer-facing label of a choice value of `field`, or the value itself if unknown."""
    if field in PLACE_FIELDS:
        return place_label(place_of(value), get_locale())
    return display_label(CHOICE_LABELS.get(field, {}), value)


def labelled_answer(field: str, value: object) -> object:
    """`value` with each choice value of `field` (alone or in a list) replaced by its label.

    Anything else (booleans, free text of other fields, nested mappings) is
    returned unchanged for the answer macro to show.
    """
    if isinstance(value, str):
        return choice_label(field, value)
    if isinstance(value, list):
        return [choice_label(field, v) if isinstance(v, str) else v for v in value]
    return value
