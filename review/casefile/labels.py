"""Display labels: a stable value in the reviewer's words, or as it is when unknown.

Report documents, triage rows and the questionnaire carry stable values
("family_pressure", "in_review", 2). Reviewers read labels instead, through the
review catalog. A value a table does not know (a newer questionnaire, a
hand-made report) is shown as it is rather than hidden: hiding it would hide
what a reporter or a newer version of Haven wrote.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from flask_babel import LazyString

Value = TypeVar("Value", bound=Hashable)


def display_label(labels: Mapping[Value, LazyString], value: Value) -> str:
    """The label of `value` in the current language, or `value` itself if `labels` lacks it."""
    label = labels.get(value)
    return str(label) if label is not None else str(value)
