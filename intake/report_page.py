"""The report form as a page: empty, sent back for correction, or refused over a limit.

Whatever sends the form back (a validation error, a limit, a language change)
answers 303 with a draft of it (intake/form_again.py), and the form's GET
renders it here from the draft with every typed answer in place. Files cannot be: no browser
lets a page choose files for the reporter, and intake never keeps a file of a
report that was not sent. So the page says so, and names the files to choose again.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l

from intake.drafts import (
    ANSWER_CUT,
    BUSY,
    DOCUMENT_TOO_LARGE,
    INVALID,
    LANGUAGE,
    TEXT_TOO_LONG,
    TOO_MANY_BYTES,
    TOO_MANY_FILES,
    Draft,
)
from intake.emergency_numbers import numbers_of
from intake.errors import DraftRefused
from intake.form_again import draft_formdata
from intake.forms import NARRATIVE_FIELD, ReportFormBase
from intake.questionnaire import QUESTIONS, SECTIONS
from intake.receiving import Limits
from intake.request_body import limits_of
from intake.state import IntakeState

# The names the limits go by on the page. Sizes in MB of 1,048,576 bytes, as phones
# and Windows count them: "500 MB" then never promises more than is accepted.
MIB = 1 << 20

LIMIT_MESSAGES = {
    "total": _l(
        "The files you chose are larger than this site accepts: up to %(size)s MB in all. "
        "None of them was kept."
    ),
    "files": _l(
        "You chose more files than this site accepts: up to %(count)s files. None of them was kept."
    ),
    "text": _l(
        "One of your answers is longer than this site accepts: up to %(chars)s characters. "
        "Please shorten it."
    ),
}

REPORT_TOO_LARGE_MESSAGE = _l(
    "Your report is too long to send in one piece. Please shorten your answers "
    "or the names of your files, then send it again."
)

SUBMISSION_BUSY_MESSAGE = _l(
    "Many people are sending reports right now, so yours was not saved. Nothing was "
    "stored. Your answers are below: please wait a minute, then send it again."
)
# Seconds a client told "busy" is asked to wait (also by intake/error_pages.py).
BUSY_RETRY_AFTER = "60"

# The status of the page that shows a draft again: that of the refusal it carries,
# so a client that reads statuses (a script, the test harnesses) is told the truth.
DRAFT_STATUS = {
    LANGUAGE: 200,
    TOO_MANY_BYTES: 413,
    TOO_MANY_FILES: 413,
    TEXT_TOO_LONG: 413,
    ANSWER_CUT: 413,
    DOCUMENT_TOO_LARGE: 413,
    INVALID: 422,
    BUSY: 503,
}

CUT_FIELD_MESSAGE = _l(
    "This answer is longer than this site accepts: up to %(count)s characters. "
    "Only its beginning is shown here: please shorten it."
)


def size_in_mb(limits: Limits) -> int:
    """The upload limit in whole MB, rounded down so the page never promises more."""
    return limits.max_upload_bytes // MIB


def limit_message(limit: str, limits: Limits) -> str:
    """What the page says of `limit` ("total", "files" or "text"), in words."""
    return str(LIMIT_MESSAGES[limit] % {
        "size": size_in_mb(limits),
        "count": limits.max_files,
        "chars": limits.max_text_chars,
    })  # fmt: skip


def mark_cut_fields(form: ReportFormBase, names: set[str], limits: Limits) -> None:
    """Tell the reporter which answers were too long to keep whole."""
    for name in sorted(names):
        if name in form:
            field = form[name]
            field.errors = [*field.errors, CUT_FIELD_MESSAGE % {"count": limits.max_text_chars}]


def render_report_form(
    form: ReportFormBase,
    state: IntakeState,
    *,
    dropped_files: Sequence[str] = (),
    files_dropped: bool = False,
    refusal: str | None = None,
    notice: str | None = None,
) -> str:
    """The form page; `dropped_files` names the files to choose again, `refusal` the limit.

    `files_dropped` says files were sent without their names being known;
    `notice` is a message about the whole submission (intake was busy).
    """
    limits = limits_of(state)
    message = None if refusal is None else limit_message(refusal, limits)
    return render_template(
        "intake/report.html",
        form=form,
        sections=SECTIONS,
        questions=QUESTIONS,
        limits=limits,
        size_mb=size_in_mb(limits),
        files_dropped=files_dropped or bool(dropped_files) or refusal is not None,
        dropped_files=[name for name in dropped_files if name],
        refusal_message=message,
        notice=notice,
        danger_url=danger_url(form),
    )


def render_report_draft(draft: Draft, state: IntakeState) -> tuple[str, int, dict[str, str]]:
    """The form again from `draft`: every answer, the files to choose again, and why.

    Validation runs again on the answers (it ran on the same ones before the
    redirect), so the page shows the same errors the POST found.
    """
    if draft.reason not in DRAFT_STATUS:
        raise DraftRefused("not a reason the report form comes back for")
    form = state.report_form(formdata=draft_formdata(draft))
    names = draft.file_names
    headers = {"Retry-After": BUSY_RETRY_AFTER} if draft.reason == BUSY else {}
    status = DRAFT_STATUS[draft.reason]
    if draft.reason in (TOO_MANY_BYTES, TOO_MANY_FILES, TEXT_TOO_LONG):
        page = render_report_form(form, state, dropped_files=names, refusal=draft.reason)
        return page, status, headers
    if draft.reason in (ANSWER_CUT, INVALID):
        form.validate_report(attachment_count=len(names))
        mark_cut_fields(form, set(draft.cut_fields), limits_of(state))
        return render_report_form(form, state, dropped_files=names), status, headers
    if draft.reason == DOCUMENT_TOO_LARGE:
        form.validate()
        narrative = form[NARRATIVE_FIELD]
        narrative.errors = [*narrative.errors, str(REPORT_TOO_LARGE_MESSAGE)]
        return render_report_form(form, state, files_dropped=draft.files_dropped), status, headers
    if draft.reason == BUSY:
        form.validate()
        page = render_report_form(
            form, state, files_dropped=draft.files_dropped, notice=str(SUBMISSION_BUSY_MESSAGE)
        )
        return page, status, headers
    return render_report_form(form, state, dropped_files=names), status, headers


def danger_url(form: ReportFormBase) -> str | None:
    """Where a reporter who said someone is in danger now finds numbers to call, or None.

    The country the report names (an ISO code in questionnaire 2.0.0) picks the
    numbers shown, when Haven has numbers for it; otherwise the danger page's list.
    """
    if form.data.get("danger_now") != "yes":
        return None
    country = form.data.get("country") or ""
    if numbers_of(country) is None:
        return url_for("intake.danger")
    return url_for("intake.danger", country=country)
