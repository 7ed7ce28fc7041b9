"""The check-back pages: enter the receipt code, read replies, add a follow-up, hide a reply."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from intake.checkback import (
    MAX_CODE_CHARS,
    FoundCase,
    OpenedCase,
    find_case,
    hide_reply,
    read_case,
)
from intake.checkback_forms import CheckForm, FollowUpFormBase, HideForm
from intake.checkback_seal import OpenedCaseSealer, OpenedCaseTicket, case_seal_key
from intake.drafts import (
    CAPABILITY_EXPIRED,
    FOLLOW_UP_FORM,
    INVALID,
    TEXT_TOO_LONG,
    TOO_MANY_BYTES,
    TOO_MANY_FILES,
    Draft,
)
from intake.error_pages import drain_after_refusal, drain_request_body
from intake.errors import (
    CapabilityRefused,
    CaseGone,
    CheckBackBusy,
    CsrfRefused,
    DraftRefused,
    SealRefused,
    UploadTooLarge,
)
from intake.form_again import (
    DRAFT_GONE_MESSAGE,
    FOLLOW_UP_DRAFTS,
    RESULTS_DRAFTS,
    carried_fields,
    draft_formdata,
    redirect_with_draft,
    require_csrf,
    shown_once,
    take_pending_draft,
)
from intake.incoming import IncomingSubmission
from intake.one_time import forget_csrf_token
from intake.receipt_typos import digit_typo_message
from intake.receiving import BYTES_PER_CHAR
from intake.reply_documents import STATUS_TEXTS
from intake.report_page import limit_message
from intake.request_body import declares_too_much, limits_of, multipart_receiver, request_body
from intake.seal_binding import Flow, binding_of, start_binding
from intake.state import IntakeState, intake_state

checkback_blueprint = Blueprint("checkback", __name__)

# A code is short; a carried-over message is at most one answer, percent-encoded
# (3 bytes per byte). A larger body cannot be an honest check-back.
BASE_BODY_BYTES = 16 * 1024
PERCENT_ENCODING = 3

# The session's note from a follow-up's or a hide's POST to the page that says what
# became of it.
OUTCOME_KEY = "follow_up_outcome"
SENT = "sent"
HIDDEN = "hidden"
CASE_GONE = "gone"

# The one word a code that opened nothing leaves in the session for the code form.
NOTE_KEY = "check_note"
NOT_FOUND_NOTE = "not-found"
EXPIRED_NOTE = "expired"

# The opened case crosses the redirect to its results page in this cookie.
RESULTS_PATH = "/check/results"
CASE_COOKIE = "haven_case"

NOT_FOUND = _l(
    "We could not open a report with this code. Check each word and their order, then try again."
)


@checkback_blueprint.get("/check")
def check_form() -> ResponseReturnValue:
    """Ask for the receipt code; after a code that opened nothing, say so once."""
    return _code_page(CheckForm(formdata=None))


@checkback_blueprint.post("/check")
def check_back() -> ResponseReturnValue:
    """Find the case the code names and answer 303 to its results, the case sealed.

    POST/redirect/GET: a page answering this POST would leave its body, the
    receipt code, in the tab's history entry and the profile's session restore
    files. Every answer is a 303: to the results, or back to the code form.
    """
    state = intake_state()
    bound = BASE_BODY_BYTES + state.config.max_text_chars * BYTES_PER_CHAR * PERCENT_ENCODING
    declared = request.content_length
    if declared is None or declared > bound:
        # No code is this long, so refusing before Argon2 tells nothing about codes.
        drain_request_body(state.config.max_upload_bytes)
        return _not_found(state, CheckForm(formdata=None))
    if not request.form:
        # Werkzeug drops a body that is not UTF-8 whole; no code is anything but ASCII,
        # so this too is refused before Argon2 without telling anything about codes.
        return _not_found(state, CheckForm(formdata=None))
    form = CheckForm()
    if not form.validate():
        # An expired CSRF token: back to the form, which asks for the code again.
        session[NOTE_KEY] = EXPIRED_NOTE
        return redirect(url_for("checkback.check_form"), 303)
    code = form.code.data or ""
    typo = digit_typo_message(code) if len(code) <= MAX_CODE_CHARS else None
    if typo is not None:
        return _not_found(state, form, note=typo)
    found = find_case(
        state.engine,
        code,
        pepper=state.config.receipt_pepper,
        cost=state.config.receipt_cost,
        gate=state.gate,
    )
    if found is None:
        return _not_found(state, form)
    return _to_results(state, found, message=form.message.data or "")


@checkback_blueprint.get(RESULTS_PATH)
def results() -> ResponseReturnValue:
    """The replies of the case the sealed cookie names, while its capability lives.

    The cookie is kept, so a reload, or Back from a follow-up sent, shows the
    replies again until the capability expires, as the page it replaces did
    while it stayed open; the quick exit clears it, and then nothing opens.
    """
    state = intake_state()
    token = request.cookies.get(CASE_COOKIE)
    if token is None:
        return redirect(url_for("checkback.check_form"), 303)
    try:
        binding = binding_of(Flow.CHECK_BACK)
        ticket = _case_sealer(state).open(token, binding=binding)
        case_id = state.capabilities.case_of(ticket.capability, binding=binding)
    except (SealRefused, CapabilityRefused):
        page = make_response(_expired_page(CheckForm(formdata=None), status=403))
        forget_case_cookie(page, state=state)
        return page
    opened = read_case(state.engine, case_id=case_id, identity=ticket.reply_identity)
    if opened is None:
        # Purged since the code was typed: the one answer of a code that opens nothing.
        page = make_response(_code_page(CheckForm(formdata=None), not_found=NOT_FOUND))
        forget_case_cookie(page, state=state)
        return page
    message = ""
    try:
        draft = take_pending_draft(state, RESULTS_DRAFTS)
    except DraftRefused:
        draft = None
    if draft is not None:
        message = dict(draft.fields).get("message", "")
    follow_up = state.follow_up_form(
        formdata=None, data={"capability": ticket.capability, "message": message}
    )
    # The carried message is shown once; the replies stay while the capability lives.
    return shown_once(_results(state, opened, follow_up), RESULTS_DRAFTS, state=state)


@checkback_blueprint.post("/check/follow-up")
def send_follow_up() -> ResponseReturnValue:
    """Receive, encrypt and publish a follow-up to the case the capability names.

    Every answer is a 303, as for the report (intake/form_again.py): to the page
    saying it was added, or back to the form with a draft of it.
    """
    state = intake_state()

    def admit_files(fields: MultiDict[str, str]) -> None:
        # Files are stored only for a capability already checked.
        state.capabilities.case_of(
            fields.get("capability", ""), binding=binding_of(Flow.CHECK_BACK)
        )

    with IncomingSubmission(state.engine, today=state.today, leases=state.leases) as submission:
        too_much = declares_too_much(state)
        receiver = multipart_receiver(
            state, submission, admit_files=admit_files, refuse_files=too_much
        )
        try:
            received = receiver.receive(request_body(state, refuse_declared=not too_much))
            form = state.follow_up_form(formdata=received.fields)
            case_id = state.capabilities.case_of(
                form.capability.data or "", binding=binding_of(Flow.CHECK_BACK)
            )
        except UploadTooLarge as refusal:
            drain_after_refusal(refusal, state.config.max_upload_bytes)
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
    # As after a report: the form just sent cannot be sent again (intake/one_time.py),
    # so a request sent twice (a double click, a copy of it replayed) adds one follow-up.
    forget_csrf_token()
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
    return shown_once(shown, FOLLOW_UP_DRAFTS, state=state)


@checkback_blueprint.get("/check/sent")
def follow_up_outcome() -> ResponseReturnValue:
    """What became of the follow-up just sent or the reply just hidden: shown once."""
    outcome = session.pop(OUTCOME_KEY, None)
    if outcome == SENT:
        return render_template("intake/follow_up_sent.html")
    if outcome == HIDDEN:
        return render_template("intake/reply_hidden.html")
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
        case_id = state.capabilities.case_of(
            form.capability.data or "", binding=binding_of(Flow.CHECK_BACK)
        )
    except CapabilityRefused:
        return _expired_page(CheckForm(formdata=None), status=403)
    if not hide_reply(state.engine, case_id=case_id, reply_id=form.reply_id.data or ""):
        return _to_outcome(CASE_GONE)
    # A GET, like a follow-up's: the POST's capability leaves no history entry.
    return _to_outcome(HIDDEN)


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


def _not_found(state: IntakeState, form: CheckForm, *, note: str = NOT_FOUND_NOTE) -> Response:
    """303 back to the code form, which says once that the code opened nothing.

    One answer for every code that opens nothing: wrong, mistyped, purged, or not a
    code, the same one-word note in the session; only a typo a code in digits shows
    by itself is named (intake/receipt_typos.py), its message in place of the word.
    """
    session[NOTE_KEY] = note
    message = form.message.data or ""
    if message:
        # A message carried from an expired follow-up goes on as a draft, never in the session.
        return _follow_up_again(state, MultiDict([("message", message)]), reason=CAPABILITY_EXPIRED)
    return redirect(url_for("checkback.check_form"), 303)


def _code_page(form: CheckForm, *, not_found: str | None = None) -> str:
    """The code form, with the note the code's last POST left, read once."""
    note = session.pop(NOTE_KEY, None)
    expired = note == EXPIRED_NOTE
    if not_found is None and isinstance(note, str) and not expired:
        not_found = str(NOT_FOUND) if note == NOT_FOUND_NOTE else note
    form.code.data = ""
    return render_template("intake/check.html", form=form, not_found=not_found, expired=expired)


def _to_results(state: IntakeState, found: FoundCase, *, message: str) -> Response:
    """303 to the results page, the capability and the reply identity in a sealed cookie."""
    # A right code starts a check-back flow: its binding is drawn now (intake/seal_binding.py).
    binding = start_binding(Flow.CHECK_BACK)
    ticket = OpenedCaseTicket(
        capability=state.capabilities.issue(case_id=found.case_id, binding=binding),
        reply_identity=found.reply_identity,
    )
    if message:
        # A message carried from an expired follow-up: too long for a cookie, so a draft.
        response = redirect_with_draft(
            state,
            RESULTS_DRAFTS,
            Draft(form=FOLLOW_UP_FORM, reason=CAPABILITY_EXPIRED, fields=(("message", message),)),
            # No room for drafts (a flood): the results without the carried message.
            shown_here=lambda _kept: redirect(url_for("checkback.results"), 303),
        )
    else:
        response = redirect(url_for("checkback.results"), 303)
    response.set_cookie(
        CASE_COOKIE,
        _case_sealer(state).seal(ticket, binding=binding),
        path=RESULTS_PATH,
        httponly=True,
        samesite="Strict",
        secure=not state.config.plain_http,
    )
    return response


def forget_case_cookie(response: Response, *, state: IntakeState) -> None:
    """Tell the browser to drop the sealed case (sent whether or not it has one)."""
    response.delete_cookie(
        CASE_COOKIE,
        path=RESULTS_PATH,
        httponly=True,
        samesite="Strict",
        secure=not state.config.plain_http,
    )


def _case_sealer(state: IntakeState) -> OpenedCaseSealer:
    return OpenedCaseSealer(key=case_seal_key(state.config.secret_key))


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
    return redirect_with_draft(
        state, FOLLOW_UP_DRAFTS, draft,
        shown_here=lambda kept: _follow_up_draft_page(state, kept),
    )  # fmt: skip


def _follow_up_draft_page(state: IntakeState, draft: Draft) -> ResponseReturnValue:
    if draft.reason == CAPABILITY_EXPIRED:
        message = dict(draft.fields).get("message", "")
        form = CheckForm(formdata=None, data={"message": message})
        if NOTE_KEY in session:
            # The code typed to go on with the message opened nothing: the message stays.
            return _code_page(form)
        return _expired_page(form, status=403)
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
