"""The reporter's pages: danger check, the form, and the receipt."""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from intake.emergency_numbers import EMERGENCY_NUMBERS, WHERE_MOST_LIVE, numbers_of
from intake.error_pages import drain_request_body
from intake.errors import CsrfRefused, MalformedUpload, SealRefused, UploadTooLarge
from intake.forms import ATTACHMENTS_FIELD
from intake.i18n import LANGUAGE_COOKIE
from intake.incoming import IncomingSubmission
from intake.language_choice import remember_language, show_in_language
from intake.one_time import forget_csrf_token, forget_session
from intake.places import by_name, place_name
from intake.receipt_seal import ReceiptSealer, seal_key
from intake.report_page import mark_cut_fields, render_report_form
from intake.request_body import declares_too_much, limits_of, multipart_receiver, request_body
from intake.state import IntakeState, intake_state

blueprint = Blueprint("intake", __name__)

# The danger page's country choice: an ISO code (intake/emergency_numbers.py).
COUNTRY_FIELD = "country"
# The field of the language buttons (templates/intake/_language_buttons.html).
LANGUAGE_FIELD = "lang"
# The receipt page's language form carries the code sealed in this field.
SEALED_FIELD = "receipt"
# The one-time cookie carrying the sealed code across the redirect to the receipt.
RECEIPT_COOKIE = "haven_receipt"
RECEIPT_PATH = "/receipt"
FORM_ENCODING = "application/x-www-form-urlencoded"
# The browser may drop cookies and storage of this origin; no-store left no cache.
CLEAR_SITE_DATA = '"cookies", "storage"'


@blueprint.get("/")
def index() -> ResponseReturnValue:
    """The first question: is anyone in danger right now?"""
    return render_template("intake/index.html")


@blueprint.get("/danger")
def danger() -> ResponseReturnValue:
    """Emergency numbers, before anything else: the reporter's country's if they chose one.

    The choice is a GET form (works without JavaScript) and nothing of it is stored.
    """
    locale = get_locale() or Locale("en")
    chosen = request.args.get(COUNTRY_FIELD, "")
    numbers = numbers_of(chosen)
    return render_template(
        "intake/danger.html",
        country_field=COUNTRY_FIELD,
        chosen=chosen if numbers else "",
        chosen_name=place_name(chosen, locale) if numbers else "",
        numbers=numbers,
        unknown_choice=bool(chosen) and numbers is None,
        countries=by_name(sorted(EMERGENCY_NUMBERS), locale),
        where_most_live=[
            (name, EMERGENCY_NUMBERS[code]) for name, code in by_name(WHERE_MOST_LIVE, locale)
        ],
    )


@blueprint.get("/exit")
def quick_exit() -> ResponseReturnValue:
    """Leave at once for the neutral site; the link itself names no other origin."""
    # 303 so the browser never re-sends anything; like every response it is sent with
    # no-store and no-referrer, so the neutral site cannot tell where the reporter was.
    response = redirect(intake_state().config.quick_exit_url, 303)
    # Forgetting the session makes every form page this tab holds in its history
    # unsendable (intake/one_time.py), and nothing of the visit stays in a cookie.
    forget_session()
    response.delete_cookie(LANGUAGE_COOKIE)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@blueprint.get("/report")
def report_form() -> ResponseReturnValue:
    """The empty questionnaire; marked urgent when the reporter came from the danger page."""
    state = intake_state()
    urgent = request.args.get("urgent") == "1"

    def render() -> str:
        data = {"danger_now": "yes"} if urgent else None
        return render_report_form(state.report_form(formdata=None, data=data), state)

    # The token the form's hidden field carries: this request's, in its session.
    return state.empty_forms.page(
        language=str(get_locale() or "en"), urgent=urgent, token=generate_csrf(), render=render
    )


@blueprint.post("/report")
def submit_report() -> ResponseReturnValue:
    """Receive, encrypt and publish a report; redirect to its receipt code, shown once."""
    state = intake_state()
    # Whatever goes wrong, or if the form comes back for correction, leaving this
    # block unpublished deletes everything of the submission that was staged.
    with IncomingSubmission(state.engine, today=state.today, leases=state.leases) as submission:
        too_much = declares_too_much(state)
        receiver = multipart_receiver(state, submission, refuse_files=too_much)
        try:
            received = receiver.receive(request_body(state, refuse_declared=not too_much))
        except UploadTooLarge as refusal:
            return _refused(state, refusal), 413
        form = state.report_form(formdata=received.fields)
        valid = form.validate_report(attachment_count=len(received.attachments))
        if form.csrf_token.errors:
            raise CsrfRefused("invalid CSRF token")
        if received.cut_fields:
            mark_cut_fields(form, received.cut_fields, limits_of(state))
            return render_report_form(
                form, state, dropped_files=[a.original_name for a in received.attachments]
            ), 413
        if not valid:
            names = [a.original_name for a in received.attachments]
            return render_report_form(form, state, dropped_files=names), 422
        code = submission.publish(
            received,
            answers=form.answers(),
            language=str(get_locale() or "en"),
            recipients=state.config.recipients,
            pepper=state.config.receipt_pepper,
            receipt_cost=state.config.receipt_cost,
            gate=state.gate,
        )
    return _to_receipt(state, code)


@blueprint.post("/report/language")
def report_in_language() -> ResponseReturnValue:
    """The form again, in the language a button of it asked for, with every answer kept.

    The buttons send the form urlencoded (formenctype), so no file's bytes come
    with it, only names; nothing is stored, and the files must be chosen again.
    """
    state = intake_state()
    fields = _posted_form()
    show_in_language(fields.get(LANGUAGE_FIELD, ""))
    form = state.report_form(formdata=fields)
    page = make_response(render_report_form(
        form, state, dropped_files=fields.getlist(ATTACHMENTS_FIELD)
    ))  # fmt: skip
    remember_language(page, fields.get(LANGUAGE_FIELD, ""), secure_cookie=_secure(state))
    return page


@blueprint.get("/receipt")
def receipt() -> ResponseReturnValue:
    """The receipt code, shown once: the redirect after the report brought it, sealed."""
    state = intake_state()
    try:
        code = _sealer(state).open(request.cookies.get(RECEIPT_COOKIE, ""))
    except SealRefused:
        page = make_response(render_template("intake/receipt_gone.html"), 410)
    else:
        page = make_response(render_template(
            "intake/receipt.html", code=code, sealed=_sealer(state).seal(code),
            csrf=generate_csrf(),
        ))  # fmt: skip
    # Shown once: reloaded, or reached again by Back or Forward, the page has no code.
    page.delete_cookie(RECEIPT_COOKIE, path=RECEIPT_PATH)
    return page


@blueprint.post("/receipt/language")
def receipt_in_language() -> ResponseReturnValue:
    """The same receipt code again, in the language a button of the receipt page asked for."""
    state = intake_state()
    fields = _posted_form()
    try:
        code = _sealer(state).open(fields.get(SEALED_FIELD, ""))
    except SealRefused:
        return render_template("intake/receipt_gone.html"), 410
    response = _to_receipt(state, code)
    remember_language(response, fields.get(LANGUAGE_FIELD, ""), secure_cookie=_secure(state))
    return response


def _to_receipt(state: IntakeState, code: str) -> Response:
    """Redirect to the receipt page, the code carried in a sealed one-time cookie.

    POST/redirect/GET: Chromium keeps a POST's body with its history entry and
    writes it into the profile's session restore files, every answer in it. A 303
    turns the entry into a GET of /receipt without a body. The code crosses the
    redirect sealed (intake/receipt_seal.py) in a cookie limited to /receipt that
    lives for this browser session at most and is deleted by the page it opens.
    """
    # No form this browser was given can be sent again (intake/one_time.py).
    forget_csrf_token()
    response = redirect(url_for("intake.receipt"), 303)
    response.set_cookie(
        RECEIPT_COOKIE,
        _sealer(state).seal(code),
        path=RECEIPT_PATH,
        httponly=True,
        samesite="Strict",
        secure=_secure(state),
    )
    return response


def _refused(state: IntakeState, refusal: UploadTooLarge) -> str:
    if not refusal.body_unread:
        drain_request_body(state.config.max_upload_bytes)
    form = state.report_form(formdata=refusal.fields)
    return render_report_form(form, state, dropped_files=refusal.file_names, refusal=refusal.limit)


def _posted_form() -> MultiDict[str, str]:
    """The urlencoded form of a language button, its CSRF token checked."""
    # Never request.form for multipart bodies: Werkzeug would spool their files to disk.
    if request.mimetype != FORM_ENCODING:
        raise MalformedUpload("a language button's form is sent urlencoded")
    fields = request.form
    try:
        validate_csrf(fields.get("csrf_token", ""))
    except ValidationError:
        raise CsrfRefused("invalid CSRF token") from None
    return fields


def _sealer(state: IntakeState) -> ReceiptSealer:
    return ReceiptSealer(key=seal_key(state.config.secret_key))


def _secure(state: IntakeState) -> bool:
    return not state.config.plain_http
