"""Review's own labels for questionnaire choice values (review/casefile/choices.py)."""

from __future__ import annotations

from flask import Flask

from contracts.report import QUESTIONNAIRE_VERSION
from intake import questionnaire
from review.casefile.choices import CHOICE_LABELS, choice_label, labelled_answer


def test_every_choice_of_the_questionnaire_has_a_label() -> None:
    # review keeps its own table (it never imports intake); this test keeps them in step.
    assert questionnaire.VERSION == QUESTIONNAIRE_VERSION
    asked = {q.name: {c.value for c in q.choices} for q in questionnaire.QUESTIONS if q.choices}
    assert {name: set(labels) for name, labels in CHOICE_LABELS.items()} == asked


def test_labels_fall_back_to_the_value(app: Flask) -> None:
    with app.test_request_context():
        assert choice_label("contact_channels", "signal") == "Signal"
        assert choice_label("contact_channels", "pigeon") == "pigeon"
        assert choice_label("no_such_field", "yes") == "yes"
        assert choice_label("categories", "legal") == "Legal harassment"
        assert labelled_answer("consent", ["ngos", "new_value", 3]) == [
            "Human-rights organisations",
            "new_value",
            3,
        ]
        assert labelled_answer("danger_now", True) is True
        assert labelled_answer("anonymity", {"nested": "anonymous"}) == {"nested": "anonymous"}
