# mypy: disallow-subclassing-any=False
# (Flask-WTF ships no type information, so FlaskForm is Any to mypy.)
"""Forms of the review app; Flask-WTF adds the CSRF token to each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from review.triage import MAX_NOTE_LENGTH, PRIORITIES, STATUSES

CASE_ID_PATTERN = r"^[0-9a-f]{32}$"


class UnlockForm(FlaskForm):
    """Identity file and passphrase."""

    identity = FileField(_l("Identity file"), validators=[FileRequired()])
    passphrase = PasswordField(_l("Passphrase"), validators=[DataRequired()])


class TriageForm(FlaskForm):
    """Status, priority and assignee of one case."""

    status = SelectField(_l("Status"), choices=[SelectChoice(s) for s in STATUSES])
    priority = SelectField(_l("Priority"), choices=[SelectChoice(str(p)) for p in PRIORITIES])
    assignee = SelectField(_l("Assigned to"), choices=[])

    def set_reviewers(self, names: list[str], *, nobody: str) -> None:
        """Offer the workspace's reviewers, and nobody, as assignees."""
        self.assignee.choices = [SelectChoice("", nobody), *[SelectChoice(n) for n in names]]


class NoteForm(FlaskForm):
    """A new note."""

    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=MAX_NOTE_LENGTH)])


class TagsForm(FlaskForm):
    """Comma-separated tags."""

    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=2000)])


class CategoriesForm(FlaskForm):
    """Comma-separated corrected categories; empty returns to the reporter's choice."""

    categories = StringField(_l("Categories (comma-separated)"), validators=[Length(max=2000)])


class LinkForm(FlaskForm):
    """Another case's id."""

    other = StringField(_l("Case id"), validators=[DataRequired(), Regexp(CASE_ID_PATTERN)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (lock, unlink, bulk actions)."""
