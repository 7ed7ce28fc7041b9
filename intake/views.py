"""The reporter's pages: danger check, the form, and the receipt."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from intake.errors import CsrfRefused
from intake.forms import ReportFormBase
from intake.incoming import IncomingSubmission
from intake.questionnaire import QUESTIONS, SECTIONS
from intake.request_body import limits_of, multipart_receiver, request_body
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
    with IncomingSubmission(state.engine, today=state.today, leases=state.leases) as submission:
        received = multipart_receiver(state, submission).receive(request_body(state))
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
            gate=state.gate,
        )
    return render_template("intake/receipt.html", code=code)


def _render_form(form: ReportFormBase, state: IntakeState, *, files_dropped: bool = False) -> str:
    return render_template(
        "intake/report.html",
        form=form,
        sections=SECTIONS,
        questions=QUESTIONS,
        limits=limits_of(state),
        files_dropped=files_dropped,
    )
