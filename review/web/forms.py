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

from contracts.replies import MAX_TEXT_CHARS
from contracts.replies import STATUSES as REPLY_STATUSES
from review.casefile.choices import CHOICE_LABELS
from review.export.consent import RECIPIENT_KINDS
from review.triage.record import MAX_NOTE_LENGTH, PRIORITIES, STATUSES
from review.web.i18n import PRIORITY_LABELS, REPLY_STATUS_LABELS, STATUS_LABELS

# A whole case id or a unique start of it (review/casefile/library.py, resolve).
SHORT_ID_PATTERN = r"^\s*[0-9a-fA-F]{4,32}\s*$"
# What a reviewer types must not be kept by the browser: autocomplete="off"
# keeps a field out of Chromium's autofill table and out of the field state
# its session files save for restoring tabs (docs/review.md, "The browser").
# Every <form> of the templates says so too; this covers a field rendered elsewhere.
NOT_REMEMBERED = {"autocomplete": "off"}
# The longest comma-separated list of tags a form takes.
MAX_TAGS_CHARS = 2000


class UnlockForm(FlaskForm):
    """Identity file and passphrase."""

    identity = FileField(_l("Identity file"), validators=[FileRequired()])
    passphrase = PasswordField(_l("Passphrase"), validators=[DataRequired()],
                               render_kw=NOT_REMEMBERED)


class TriageForm(FlaskForm):
    """Status, priority and assignee of one case."""

    status = SelectField(_l("Status"), choices=[SelectChoice(s) for s in STATUSES])
    priority = SelectField(_l("Priority"), choices=[SelectChoice(str(p)) for p in PRIORITIES])
    assignee = SelectField(_l("Assigned to"), choices=[])

    def set_reviewers(self, names: list[str], *, nobody: str) -> None:
        """Offer the workspace's reviewers, and nobody, as assignees."""
        self.assignee.choices = [SelectChoice("", nobody), *[SelectChoice(n) for n in names]]


class NoteForm(FlaskForm):
    """A new note. Its field is not "text": the note and the reply are written in one
    form of the case page (templates/review/case.html, "case-writing"), so that a
    language button carries both, and the reply's text is "text"."""

    note = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=MAX_NOTE_LENGTH)],
                         render_kw=NOT_REMEMBERED)


class ReplyForm(FlaskForm):
    """A reply to the reporter: a canned status, a text, or both."""

    status = SelectField(_l("Status to tell them"), choices=[
        SelectChoice("", _l("no status")),
        *[SelectChoice(s, REPLY_STATUS_LABELS[s]) for s in REPLY_STATUSES],
    ])
    text = TextAreaField(_l("Message to the reporter"),
                         validators=[Length(max=MAX_TEXT_CHARS)], render_kw=NOT_REMEMBERED)


class TagsForm(FlaskForm):
    """Comma-separated tags."""

    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=MAX_TAGS_CHARS)],
                       render_kw=NOT_REMEMBERED)


class CategoriesForm(FlaskForm):
    """Corrected categories: checkboxes named "category" (the view checks each value against
    the questionnaire's), or the "reset" button for the reporter's own choice."""


class LinkForm(FlaskForm):
    """Another case's id, whole or its first characters (as the inbox shows it)."""

    other = StringField(_l("Case id"), validators=[DataRequired(), Regexp(SHORT_ID_PATTERN)],
                        render_kw=NOT_REMEMBERED)


class BulkForm(FlaskForm):
    """One control per bulk action; the pressed button (name="action") says which one applies.

    The choices only label the controls: the server reads the field of the
    action, and casework refuses an unknown status, priority or reviewer.
    """

    status = SelectField(
        _l("Status"), choices=[SelectChoice(s, STATUS_LABELS.get(s, s)) for s in STATUSES]
    )
    priority = SelectField(
        _l("Priority"),
        choices=[SelectChoice(str(p), PRIORITY_LABELS.get(p, str(p))) for p in PRIORITIES],
    )
    assignee = SelectField(_l("Reviewer"), choices=[])
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=MAX_TAGS_CHARS)],
                       render_kw=NOT_REMEMBERED)

    def set_reviewers(self, names: list[str], *, nobody: str) -> None:
        """Offer the workspace's reviewers, and nobody, as assignees."""
        self.assignee.choices = [SelectChoice("", nobody), *[SelectChoice(n) for n in names]]


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (lock, unlink, downloads)."""


class ExportForm(FlaskForm):
    """An evidence package of this case: for whom, which kind of recipient, why, sealed to whom."""

    recipient = StringField(_l("For (who receives it)"),
                            validators=[DataRequired(), Length(max=200)],
                            render_kw=NOT_REMEMBERED)
    kind = SelectField(_l("Kind of recipient (checked against the reporter's consent)"),
                       choices=[SelectChoice(k, CHOICE_LABELS["consent"][k])
                                for k in RECIPIENT_KINDS if k != "police"])
    purpose = StringField(_l("Purpose"), validators=[DataRequired(), Length(max=500)],
                          render_kw=NOT_REMEMBERED)
    encrypt_to = StringField(_l("Seal to this age recipient (optional: age1... or age1pq1...)"),
                             validators=[Length(max=4000)], render_kw=NOT_REMEMBERED)
