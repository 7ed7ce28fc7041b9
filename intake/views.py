"""The reporter's pages: danger check, the form, and the receipt."""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from contracts.report import MAX_FILE_NAME_CHARS
from intake.checkback_views import forget_case_cookie
from intake.drafts import (
    ANSWER_CUT,
    BUSY,
    DOCUMENT_TOO_LARGE,
    INVALID,
    LANGUAGE,
    REPORT_FORM,
    Draft,
)
from intake.emergency_numbers import EMERGENCY_NUMBERS, WHERE_MOST_LIVE, numbers_of
from intake.error_pages import drain_after_refusal
from intake.errors import (
    CsrfRefused,
    DraftRefused,
    MalformedUpload,
    ReportTooLarge,
    SealRefused,
    SubmissionBusy,
    UploadTooLarge,
)
from intake.form_again import (
    DRAFT_GONE_MESSAGE,
    DRAFT_PLACES,
    REPORT_DRAFTS,
    carried_fields,
    forget_draft_cookie,
    redirect_with_draft,
    require_csrf,
    shown_once,
    take_pending_draft,
)
from intake.forms import ATTACHMENTS_FIELD
from intake.i18n import LANGUAGE_COOKIE
from intake.incoming import IncomingSubmission
from intake.language_choice import remember_language
from intake.one_time import forget_csrf_token, forget_session
from intake.places import by_name, place_name
from intake.receipt_page import receipt_page
from intake.receipt_seal import ReceiptSealer, seal_key
from intake.report_page import render_report_draft, render_report_form
from intake.request_body import declares_too_much, multipart_receiver, request_body
from intake.seal_binding import Flow, binding_of, start_binding
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
    # A draft is read by the GET its redirect leads to, so one is pending here only if
    # that GET never happened; its cookie (limited to its form's path, so not sent to
    # /exit) is dropped, and its row, which nothing else can open, is collected by age.
    for place in DRAFT_PLACES:
        forget_draft_cookie(response, place, state=intake_state())
    # The opened case sealed for the check-back results page (intake/checkback_seal.py),
    # and a receipt code sealed for a receipt page whose redirect was never followed.
    forget_case_cookie(response, state=intake_state())
    _forget_receipt_cookie(response, state=intake_state())
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@blueprint.get("/report")
def report_form() -> ResponseReturnValue:
    """The questionnaire: empty (marked urgent when the reporter came from the danger
    page), or filled in again from the draft the redirect of its POST brought."""
    state = intake_state()
    try:
        draft = take_pending_draft(state, REPORT_DRAFTS)
        shown = None if draft is None else render_report_draft(draft, state)
    except DraftRefused:
        empty = state.report_form(formdata=None)
        shown = render_report_form(empty, state, notice=str(DRAFT_GONE_MESSAGE)), 200, {}
    if shown is None:
        urgent = request.args.get("urgent") == "1"

        def render() -> str:
            data = {"danger_now": "yes"} if urgent else None
            return render_report_form(state.report_form(formdata=None, data=data), state)

        # The empty form is rendered once per language; the token its hidden field
        # carries is this request's, in its session.
        shown = state.empty_forms.page(
            language=str(get_locale() or "en"),
            urgent=urgent,
            script_root=request.script_root,
            token=generate_csrf(),
            render=render,
        ), 200, {}
    return shown_once(shown, REPORT_DRAFTS, state=state)


@blueprint.post("/report")
def submit_report() -> ResponseReturnValue:
    """Receive, encrypt and publish a report; redirect to its receipt code, shown once.

    Every answer is a 303: to the receipt, or back to the form with a draft of it.
    """
    state = intake_state()
    # Whatever goes wrong, or if the form comes back for correction, leaving this
    # block unpublished deletes everything of the submission that was staged.
    with IncomingSubmission(state.engine, today=state.today, leases=state.leases) as submission:
        too_much = declares_too_much(state)
        receiver = multipart_receiver(state, submission, refuse_files=too_much)
        try:
            received = receiver.receive(request_body(state, refuse_declared=not too_much))
        except UploadTooLarge as refusal:
            drain_after_refusal(refusal, state.config.max_upload_bytes)
            require_csrf(refusal.fields)
            return _report_again(
                state, refusal.fields, reason=refusal.limit, file_names=refusal.file_names
            )
        form = state.report_form(formdata=received.fields)
        valid = form.validate_report(attachment_count=len(received.attachments))
        if form.csrf_token.errors:
            raise CsrfRefused("invalid CSRF token")
        names = tuple(attachment.original_name for attachment in received.attachments)
        if received.cut_fields:
            cut = tuple(sorted(received.cut_fields))
            return _report_again(
                state, received.fields, reason=ANSWER_CUT, file_names=names, cut_fields=cut
            )
        if not valid:
            return _report_again(state, received.fields, reason=INVALID, file_names=names)
        try:
            code = submission.publish(
                received,
                answers=form.answers(),
                language=str(get_locale() or "en"),
                recipients=state.config.recipients,
                pepper=state.config.receipt_pepper,
                receipt_cost=state.config.receipt_cost,
                gate=state.gate,
            )
        except (ReportTooLarge, SubmissionBusy) as refusal:
            reason = DOCUMENT_TOO_LARGE if isinstance(refusal, ReportTooLarge) else BUSY
            return _report_again(
                state, refusal.fields, reason=reason, files_dropped=refusal.files_dropped
            )
    # A report starts a receipt flow: its binding is drawn now (intake/seal_binding.py).
    return _to_receipt(state, code, binding=start_binding(Flow.RECEIPT))


@blueprint.post("/report/language")
def report_in_language() -> ResponseReturnValue:
    """The form again, in the language a button of it asked for, with every answer kept.

    The buttons send the form urlencoded (formenctype), so no file's bytes come
    with it, only names; the files must be chosen again. Like the report, the
    answer is a 303 to the form, the answers carried across it as a draft.
    """
    state = intake_state()
    fields = _posted_form()
    # An honest reporter may have chosen more files than allowed: their names are cut
    # to the draft's bound rather than the answers refused.
    chosen = [name[:MAX_FILE_NAME_CHARS] for name in fields.getlist(ATTACHMENTS_FIELD) if name]
    response = _report_again(
        state, fields, reason=LANGUAGE, file_names=tuple(chosen[: state.config.max_files + 1])
    )
    remember_language(response, fields.get(LANGUAGE_FIELD, ""), secure_cookie=_secure(state))
    return response


@blueprint.get("/receipt")
def receipt() -> ResponseReturnValue:
    """The receipt code, shown once: the redirect after the report brought it, sealed."""
    state = intake_state()
    sealer = _sealer(state)
    try:
        binding = binding_of(Flow.RECEIPT)
        code, expires = sealer.open_with_expiry(
            request.cookies.get(RECEIPT_COOKIE, ""), binding=binding
        )
    except SealRefused:
        page = make_response(render_template("intake/receipt_gone.html"), 410)
    else:
        assert binding is not None  # a seal opened with it
        sealed = sealer.seal(code, binding=binding, expires=expires)
        page = make_response(receipt_page(state, code, sealed=sealed, csrf=generate_csrf()))
    # Shown once: reloaded, or reached again by Back or Forward, the page has no code.
    _forget_receipt_cookie(page, state=state)
    return page


def _forget_receipt_cookie(response: Response, *, state: IntakeState) -> None:
    """Tell the browser to drop the sealed receipt code (sent whether or not it has one)."""
    response.delete_cookie(
        RECEIPT_COOKIE, path=RECEIPT_PATH, httponly=True, samesite="Strict", secure=_secure(state)
    )


@blueprint.post("/receipt/language")
def receipt_in_language() -> ResponseReturnValue:
    """The same receipt code again, in the language a button of the receipt page asked for."""
    state = intake_state()
    fields = _posted_form()
    try:
        binding = binding_of(Flow.RECEIPT)
        code, expires = _sealer(state).open_with_expiry(fields.get(SEALED_FIELD, ""),
                                                        binding=binding)  # fmt: skip
    except SealRefused:
        return render_template("intake/receipt_gone.html"), 410
    assert binding is not None  # a seal opened with it
    response = _to_receipt(state, code, binding=binding, expires=expires)
    remember_language(response, fields.get(LANGUAGE_FIELD, ""), secure_cookie=_secure(state))
    return response


def _to_receipt(
    state: IntakeState, code: str, *, binding: bytes, expires: int | None = None
) -> Response:
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
        _sealer(state).seal(code, binding=binding, expires=expires),
        path=RECEIPT_PATH,
        httponly=True,
        samesite="Strict",
        secure=_secure(state),
    )
    return response


def _report_again(
    state: IntakeState,
    posted: MultiDict[str, str],
    *,
    reason: str,
    file_names: tuple[str, ...] = (),
    files_dropped: bool = False,
    cut_fields: tuple[str, ...] = (),
) -> Response:
    """303 back to the form, what it needs to be shown again carried as a draft."""
    known = [field.name for field in state.report_form(formdata=None)]
    draft = Draft(
        form=REPORT_FORM,
        reason=reason,
        fields=carried_fields(posted, known),
        file_names=file_names,
        files_dropped=files_dropped,
        cut_fields=cut_fields,
    )
    return redirect_with_draft(
        state, REPORT_DRAFTS, draft, shown_here=lambda kept: render_report_draft(kept, state)
    )


def _posted_form() -> MultiDict[str, str]:
    """The urlencoded form of a language button, its CSRF token checked."""
    # Never request.form for multipart bodies: Werkzeug would spool their files to disk.
    if request.mimetype != FORM_ENCODING:
        raise MalformedUpload("a language button's form is sent urlencoded")
    fields = request.form
    require_csrf(fields)
    return fields


def _sealer(state: IntakeState) -> ReceiptSealer:
    return ReceiptSealer(key=seal_key(state.config.secret_key))


def _secure(state: IntakeState) -> bool:
    return not state.config.plain_http
