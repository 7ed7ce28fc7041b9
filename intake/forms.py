"""The report form, built field by field from the questionnaire so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from wtforms import (
    Field,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from intake.form_translations import IntakeForm
from intake.places import PlaceField
from intake.questionnaire import QUESTIONS, SHORT_TEXT_CHARS, Question

ATTACHMENTS_FIELD = "attachments"
NARRATIVE_FIELD = "narrative"


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """A multi-select shown as checkboxes, which work everywhere without JavaScript."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ReportFormBase(IntakeForm):
    """Base of the generated report form: adds the narrative-or-attachment rule."""

    def validate_report(self, *, attachment_count: int) -> bool:
        """Validate every field, then require a narrative or at least one attachment."""
        valid = bool(self.validate())
        narrative = self[NARRATIVE_FIELD]
        if not (narrative.data or "").strip() and attachment_count == 0:
            narrative.errors = [
                *narrative.errors,
                lazy_gettext("Please tell us what happened, or attach at least one file."),
            ]
            valid = False
        return valid

    def answers(self) -> dict[str, Any]:
        """Return the answers keyed by question name (attachments are listed separately)."""
        return {
            question.name: self[question.name].data
            for question in QUESTIONS
            if question.kind != "files"
        }


def _field(question: Question, *, max_text_chars: int) -> Field:
    label = lazy_gettext(question.label)
    hint = lazy_gettext(question.hint) if question.hint else ""
    choices = [SelectChoice(c.value, lazy_gettext(c.label)) for c in question.choices]
    if question.kind == "text":
        return StringField(
            label, description=hint, validators=[Optional(), Length(max=SHORT_TEXT_CHARS)]
        )
    if question.kind == "long_text":
        return TextAreaField(
            label, description=hint, validators=[Optional(), Length(max=max_text_chars)]
        )
    if question.kind == "one_of":
        return RadioField(label, description=hint, choices=choices, validators=[Optional()])
    if question.kind == "any_of":
        return CheckboxesField(label, description=hint, choices=choices, validators=[Optional()])
    if question.kind == "place":
        return PlaceField(
            label,
            description=hint,
            common=question.common_places,
            other=question.allows_other,
            validators=[Optional()],
        )
    if question.kind == "files":
        # Files never pass through WTForms: intake/receiving.py encrypts them as they
        # arrive. The field exists only to render the <input type="file">.
        return MultipleFileField(label, description=hint)
    raise ValueError(f"unknown question kind {question.kind!r}")


def report_form_class(*, max_text_chars: int) -> type[ReportFormBase]:
    """Return a FlaskForm subclass with one field per question of the questionnaire."""
    fields = {q.name: _field(q, max_text_chars=max_text_chars) for q in QUESTIONS}
    return type("ReportForm", (ReportFormBase,), fields)
