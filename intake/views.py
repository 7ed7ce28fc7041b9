"""The reporter's pages: danger check, the form, and the receipt."""

from __future__ import annotations

from typing import BinaryIO

from flask import Blueprint, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from intake.errors import CsrfRefused, MalformedUpload, UploadTooLarge
from intake.forms import ReportFormBase
from intake.incoming import IncomingSubmission
from intake.questionnaire import QUESTIONS, SECTIONS
from intake.receiving import AttachmentFiles, Limits, MultipartReceiver
from intake.state import IntakeState, intake_state

blueprint = Blueprint("intake", __name__)


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """The first question: is anyone in danger right now?"""
    return render_template("intake/index.html")


@blueprint.get("/danger")
def danger() -> ResponseReturnValue:
    """Emergency numbers, before anything else."""
    return render_template("intake/danger.html")


@blueprint.get("/exit")
def quick_exit() -> ResponseReturnValue:
    """Leave at once for the neutral site; the link itself names no other origin."""
    # 303 so the browser never re-sends anything; like every response it is sent with
    # no-store and no-referrer, so the neutral site cannot tell where the reporter was.
    return redirect(intake_state().config.quick_exit_url, 303)


@blueprint.get("/report")
def report_form() -> ResponseReturnValue:
    """The empty questionnaire; marked urgent when the reporter came from the danger page."""
    state = intake_state()
    data = {"danger_now": "yes"} if request.args.get("urgent") == "1" else None
    form = state.report_form(formdata=None, data=data)
    return _render_form(form, state)


@blueprint.post("/report")
def submit_report() -> ResponseReturnValue:
    """Receive, encrypt and publish a report; show its receipt code once."""
    state = intake_state()
    # Whatever goes wrong, or if the form comes back for correction, leaving this
    # block unpublished deletes everything of the submission that was staged.
    with IncomingSubmission(state.engine, today=state.today) as submission:
        received = _receiver(state, submission).receive(_request_body(state))
        form = state.report_form(formdata=received.fields)
        if not form.validate_report(attachment_count=len(received.attachments)):
            if form.csrf_token.errors:
                raise CsrfRefused("invalid CSRF token")
            return _render_form(form, state, files_dropped=bool(received.attachments)), 422
        code = submission.publish(
            received,
            answers=form.answers(),
            language=str(get_locale() or "en"),
            recipients=state.config.recipients,
            pepper=state.config.receipt_pepper,
            receipt_cost=state.config.receipt_cost,
        )
    return render_template("intake/receipt.html", code=code)


def _render_form(form: ReportFormBase, state: IntakeState, *, files_dropped: bool = False) -> str:
    return render_template(
        "intake/report.html",
        form=form,
        sections=SECTIONS,
        questions=QUESTIONS,
        limits=_limits(state),
        files_dropped=files_dropped,
    )


def _limits(state: IntakeState) -> Limits:
    config = state.config
    return Limits(
        max_upload_bytes=config.max_upload_bytes,
        max_files=config.max_files,
        max_text_chars=config.max_text_chars,
    )


def _receiver(state: IntakeState, files: AttachmentFiles) -> MultipartReceiver:
    if request.mimetype != "multipart/form-data":
        raise MalformedUpload("the form must be sent as multipart/form-data")
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise MalformedUpload("multipart body without a boundary")
    return MultipartReceiver(
        boundary=boundary.encode("latin-1"),
        limits=_limits(state),
        recipients=state.config.recipients,
        check_csrf=_csrf_token_valid,
        files=files,
    )


def _request_body(state: IntakeState) -> BinaryIO:
    declared = request.content_length
    if declared is not None and declared > state.config.max_upload_bytes:
        raise UploadTooLarge("total", body_unread=True)
    # The raw stream, never request.form or request.files: those would spool
    # plaintext attachments to a temporary file.
    return request.stream  # type: ignore[return-value]


def _csrf_token_valid(token: str) -> bool:
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True
