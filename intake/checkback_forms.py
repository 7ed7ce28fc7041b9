"""The check-back forms: the receipt code, a follow-up, hiding a reply."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from intake.follow_up_writer import ConsentChange
from intake.form_translations import IntakeForm
from intake.forms import CheckboxesField
from intake.places import COMMON_COUNTRIES, PlaceField
from intake.questionnaire import CONSENT

# Attributes that keep the code out of the browser's memory: no autofill, no saved
# "password" (a text field, so no password manager offers to keep it), no spelling
# service sent the words, no capitalisation to undo on a phone.
CODE_FIELD_ATTRIBUTES = {
    "autocomplete": "off",
    "autocapitalize": "none",
    "autocorrect": "off",
    "spellcheck": "false",
    "dir": "ltr",
    "lang": "en",
}


class CheckForm(IntakeForm):
    """The receipt code, POSTed with CSRF; never in a URL or a cookie."""

    code = StringField(
        _l("Your receipt code"),
        description=_l(
            "The words or the groups of digits you were given when you sent your report, "
            "in order."
        ),
        render_kw=CODE_FIELD_ATTRIBUTES,
    )
    # A message typed on a page that expired, carried over to the follow-up form.
    message = TextAreaField(_l("Your message"), validators=[Optional()])


class HideForm(IntakeForm):
    """Hide one reply from the reporter's own view."""

    capability = HiddenField()
    reply_id = HiddenField()


class FollowUpFormBase(IntakeForm):
    """A follow-up: a message, files, and perhaps a new answer about consent."""

    def validate_follow_up(self, *, attachment_count: int) -> bool:
        """Validate every field, then require a message, a file or a consent change."""
        valid = bool(self.validate())
        if (
            not (self.message.data or "").strip()
            and attachment_count == 0
            and not self.change_consent.data
        ):
            self.message.errors = [
                *self.message.errors,
                _l("Please write a message, attach a file, or change who may see your report."),
            ]
            valid = False
        return valid

    def consent_change(self) -> ConsentChange | None:
        """The new consent answer, or None when the reporter did not ask to change it."""
        if not self.change_consent.data:
            return None
        return ConsentChange(
            consent=tuple(self.consent.data or ()),
            police_country=(self.police_country.data or "").strip(),
        )


def follow_up_form_class(*, max_text_chars: int) -> type[FollowUpFormBase]:
    """The follow-up form, with the report's consent choices and text limit."""
    fields: dict[str, Any] = {
        "capability": HiddenField(),
        "message": TextAreaField(
            _l("Your message"),
            description=_l("Anything new that happened, or anything you want to add."),
            validators=[Optional(), Length(max=max_text_chars)],
        ),
        "change_consent": BooleanField(_l("I want to change who may see my report")),
        "consent": CheckboxesField(
            _l("From now on, who may receive your report?"),
            description=_l("Tick nothing to let nobody outside our team receive it."),
            choices=[SelectChoice(c.value, _l(c.label)) for c in CONSENT],
            validators=[Optional()],
        ),
        "police_country": PlaceField(
            _l("Police of which country?"),
            common=COMMON_COUNTRIES,
            validators=[Optional()],
        ),
        "attachments": MultipleFileField(
            _l("Photos, recordings, documents"),
            description=_l(
                "Photos and documents can contain the place where they were made and the "
                "device that made them. Remove that information first if it could endanger you."
            ),
        ),
    }
    return type("FollowUpForm", (FollowUpFormBase,), fields)
