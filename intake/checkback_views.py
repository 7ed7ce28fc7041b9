"""The check-back pages: enter the receipt code, read replies, add a follow-up, hide a reply."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from intake.checkback import MAX_CODE_CHARS, OpenedCase, hide_reply, open_case
from intake.checkback_forms import CheckForm, FollowUpFormBase, HideForm
from intake.drafts import (
    CAPABILITY_EXPIRED,
    FOLLOW_UP_FORM,
    INVALID,
    TEXT_TOO_LONG,
    TOO_MANY_BYTES,
    TOO_MANY_FILES,
    Draft,
)
from intake.error_pages import drain_request_body
from intake.errors import (
    CapabilityRefused,
    CaseGone,
    CheckBackBusy,
    CsrfRefused,
    DraftRefused,
    UploadTooLarge,
)
from intake.form_again import (
    DRAFT_GONE_MESSAGE,
    FOLLOW_UP_DRAFTS,
    carried_fields,
    draft_formdata,
    forget_draft_cookie,
    redirect_with_draft,
    require_csrf,
    take_pending_draft,
)
from intake.incoming import IncomingSubmission
from intake.receipt_typos import digit_typo_message
from intake.receiving import BYTES_PER_CHAR
from intake.reply_documents import STATUS_TEXTS
from intake.report_page import limit_message
from intake.request_body import declares_too_much, limits_of, multipart_receiver, request_body
from intake.state import IntakeState, intake_state

checkback_blueprint = Blueprint("checkback", __name__)

# A code is short; a carried-over message is at most one answer, percent-encoded
# (3 bytes per byte). A larger body cannot be an honest check-back.
BASE_BODY_BYTES = 16 * 1024
PERCENT_ENCODING = 3

# The session's note from a follow-up's POST to the page that says what became of it.
OUTCOME_KEY = "follow_up_outcome"
SENT = "sent"
CASE_GONE = "gone"

NOT_FOUND = _l(
    "We could not open a report with this code. Check each word and their order, then try again."
)


@checkback_blueprint.get("/check")
def check_form() -> ResponseReturnValue:
    """Ask for the receipt code."""
    return render_template("intake/check.html", form=CheckForm(formdata=None))


@checkback_blueprint.post("/check")
def check_back() -> ResponseReturnValue:
    """Open the case the code names and show its replies, within this request only."""
    state = intake_state()
    bound = BASE_BODY_BYTES + state.config.max_text_chars * BYTES_PER_CHAR * PERCENT_ENCODING
    declared = request.content_length
    if declared is None or declared > bound:
        # No code is this long, so refusing before Argon2 tells nothing about codes.
        drain_request_body(state.config.max_upload_bytes)
        return _not_found(CheckForm(formdata=None))
    if not request.form:
        # Werkzeug drops a body that is not UTF-8 whole; no code is anything but ASCII,
        # so this too is refused before Argon2 without telling anything about codes.
        return _not_found(CheckForm(formdata=None))
    form = CheckForm()
    if not form.validate():
        return _expired_page(form, status=400)
    code = form.code.data or ""
    typo = digit_typo_message(code) if len(code) <= MAX_CODE_CHARS else None
    if typo is not None:
        return _not_found(form, message=typo)
    opened = open_case(
        state.engine,
        code,
        pepper=state.config.receipt_pepper,
        cost=state.config.receipt_cost,
        gate=state.gate,
    )
    if opened is None:
        return _not_found(form)
    follow_up = state.follow_up_form(
        formdata=None,
        data={
            "capability": state.capabilities.issue(case_id=opened.case_id),
            "message": form.message.data or "",
        },
    )
    return _results(state, opened, follow_up)


@checkback_blueprint.post("/check/follow-up")
def send_follow_up() -> ResponseReturnValue:
    """Receive, encrypt and publish a follow-up to the case the capability names.

    Every answer is a 303, as for the report (intake/form_again.py): to the page
    saying it was added, or back to the form with a draft of it.
    """
    state = intake_state()

    def admit_files(fields: MultiDict[str, str]) -> None:
        # Files are stored only for a capability already checked.
        state.capabilities.case_of(fields.get("capability", ""))

    with IncomingSubmission(state.engine, today=state.today, leases=state.leases) as submission:
        too_much = declares_too_much(state)
        receiver = multipart_receiver(
            state, submission, admit_files=admit_files, refuse_files=too_much
        )
        try:
            received = receiver.receive(request_body(state, refuse_declared=not too_much))
            form = state.follow_up_form(formdata=received.fields)
            case_id = state.capabilities.case_of(form.capability.data or "")
        except UploadTooLarge as refusal:
            if not refusal.body_unread:
                drain_request_body(state.config.max_upload_bytes)
            require_csrf(refusal.fields)
            return _follow_up_again(
                state, refusal.fields, reason=refusal.limit, file_names=refusal.file_names
            )
        except CapabilityRefused:
            drain_request_body(state.config.max_upload_bytes)
            carried = receiver.received.fields
            require_csrf(carried)
            # The capability is worthless now: only the message goes on to the code page.
            message = MultiDict([("message", carried.get("message", ""))])
            return _follow_up_again(state, message, reason=CAPABILITY_EXPIRED)
        names = tuple(attachment.original_name for attachment in received.attachments)
        if received.cut_fields:
            # The receiver keeps only a too-long answer's beginning; a follow-up is
            # refused whole rather than sent cut.
            return _follow_up_again(state, received.fields, reason=TEXT_TOO_LONG, file_names=names)
        if not form.validate_follow_up(attachment_count=len(received.attachments)):
            if form.csrf_token.errors:
                raise CsrfRefused("invalid CSRF token")
            return _follow_up_again(state, received.fields, reason=INVALID, file_names=names)
        try:
            submission.publish_follow_up(
                received,
                follows=case_id,
                message=form.message.data or "",
                consent=form.consent_change(),
                language=str(get_locale() or "en"),
                recipients=state.config.recipients,
            )
        except CaseGone:
            return _to_outcome(CASE_GONE)
    return _to_outcome(SENT)


@checkback_blueprint.get("/check/follow-up")
def follow_up_again() -> ResponseReturnValue:
    """The follow-up form again, from the draft its POST's redirect brought."""
    state = intake_state()
    shown: ResponseReturnValue
    try:
        draft = take_pending_draft(state, FOLLOW_UP_DRAFTS)
    except DraftRefused:
        shown = render_template(
            "intake/check.html", form=CheckForm(formdata=None), notice=DRAFT_GONE_MESSAGE
        )
    else:
        if draft is None:
            return redirect(url_for("checkback.check_form"), 303)
        shown = _follow_up_draft_page(state, draft)
    page = make_response(shown)
    if FOLLOW_UP_DRAFTS.cookie in request.cookies:
        # Read once: reloaded, or reached again by Back or Forward, nothing is shown.
        forget_draft_cookie(page, FOLLOW_UP_DRAFTS, state=state)
    return page


@checkback_blueprint.get("/check/sent")
def follow_up_outcome() -> ResponseReturnValue:
    """What became of the follow-up just sent: shown once, from the session's note."""
    outcome = session.pop(OUTCOME_KEY, None)
    if outcome == SENT:
        return render_template("intake/follow_up_sent.html")
    if outcome == CASE_GONE:
        return _case_gone()
    return redirect(url_for("checkback.check_form"), 303)


@checkback_blueprint.post("/check/hide")
def hide() -> ResponseReturnValue:
    """Hide one reply from the reporter's own view (nothing is deleted or read)."""
    state = intake_state()
    form = HideForm()
    if not form.validate():
        return _expired_page(CheckForm(formdata=None), status=400)
    try:
        case_id = state.capabilities.case_of(form.capability.data or "")
    except CapabilityRefused:
        return _expired_page(CheckForm(formdata=None), status=403)
    if not hide_reply(state.engine, case_id=case_id, reply_id=form.reply_id.data or ""):
        return _case_gone()
    return render_template("intake/reply_hidden.html")


@checkback_blueprint.errorhandler(CheckBackBusy)
def busy(_error: CheckBackBusy) -> ResponseReturnValue:
    """Too many check-backs: asked to wait before Argon2 runs; nothing was tried."""
    drain_request_body(intake_state().config.max_upload_bytes)
    page = render_template(
        "intake/error.html",
        title=_l("Busy"),
        message=_l(
            "Many people are checking their reports right now. "
            "Please wait a minute, then try again."
        ),
        back=False,
    )
    return page, 429, {"Retry-After": "60"}


def _not_found(form: CheckForm, *, message: str | None = None) -> ResponseReturnValue:
    # One answer for every code that opens nothing: wrong, mistyped, purged, or not a code;
    # only a typo a code in digits shows by itself is named (intake/receipt_typos.py).
    form.code.data = ""
    return render_template("intake/check.html", form=form, not_found=message or NOT_FOUND)


def _expired_page(form: CheckForm, *, status: int) -> ResponseReturnValue:
    form.code.data = ""
    return render_template("intake/check.html", form=form, expired=True), status


def _case_gone() -> ResponseReturnValue:
    page = render_template(
        "intake/error.html",
        title=_l("Nothing was saved"),
        message=_l(
            "We could not find this part of your report any more: it may have been closed "
            "and deleted. Nothing was saved."
        ),
        back=False,
    )
    return page, 404


def _results(state: IntakeState, opened: OpenedCase, follow_up: FollowUpFormBase) -> str:
    capability = follow_up.capability.data
    return render_template(
        "intake/check_results.html",
        replies=opened.replies,
        status_text=STATUS_TEXTS[opened.status] if opened.status else None,
        status_texts=STATUS_TEXTS,
        hide_form=HideForm(formdata=None, data={"capability": capability}),
        form=follow_up,
        limits=limits_of(state),
        files_dropped=False,
    )


def _follow_up_again(
    state: IntakeState,
    posted: MultiDict[str, str],
    *,
    reason: str,
    file_names: tuple[str, ...] = (),
) -> Response:
    """303 back to the follow-up form, its answers carried as a draft."""
    known = [field.name for field in state.follow_up_form(formdata=None)]
    draft = Draft(
        form=FOLLOW_UP_FORM,
        reason=reason,
        fields=carried_fields(posted, known),
        file_names=file_names,
    )
    return redirect_with_draft(state, FOLLOW_UP_DRAFTS, draft)


def _follow_up_draft_page(state: IntakeState, draft: Draft) -> ResponseReturnValue:
    if draft.reason == CAPABILITY_EXPIRED:
        message = dict(draft.fields).get("message", "")
        return _expired_page(CheckForm(formdata=None, data={"message": message}), status=403)
    form = state.follow_up_form(formdata=draft_formdata(draft))
    files_dropped = bool(draft.file_names)
    if draft.reason in (TOO_MANY_BYTES, TOO_MANY_FILES, TEXT_TOO_LONG):
        refusal = limit_message(draft.reason, limits_of(state))
        page = _follow_up_page(state, form, files_dropped=files_dropped, refusal_message=refusal)
        return page, 413
    if draft.reason == INVALID:
        form.validate_follow_up(attachment_count=len(draft.file_names))
        return _follow_up_page(state, form, files_dropped=files_dropped), 422
    raise DraftRefused("not a reason the follow-up form comes back for")


def _to_outcome(outcome: str) -> Response:
    # The page is a GET: the follow-up's POST, message and all, leaves no history entry.
    session[OUTCOME_KEY] = outcome
    return redirect(url_for("checkback.follow_up_outcome"), 303)


def _follow_up_page(
    state: IntakeState,
    form: FollowUpFormBase,
    *,
    files_dropped: bool,
    refusal_message: str | None = None,
) -> str:
    return render_template(
        "intake/follow_up.html",
        form=form,
        limits=limits_of(state),
        files_dropped=files_dropped,
        refusal_message=refusal_message,
    )
