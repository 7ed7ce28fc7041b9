"""A form sent back across a redirect: its POST answers 303, the GET shows it again.

Chromium keeps a POST's body with its history entry and writes it, every
answer in it, into the profile's session restore files; a 303 turns the entry
into a GET without a body. When the form must come back (a refusal, a language
button) its answers cross the redirect as a draft: sealed under a fresh key
(intake/draft_seal.py), stored by id (intake/draft_store.py), the id and the
key in a cookie limited to the form's own path, HttpOnly, SameSite=Strict and
without expiry. The GET that shows the form deletes the draft as it reads it
and clears the cookie: reloaded, or reached again by Back, the form is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import make_response, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from intake.draft_seal import DraftTicket
from intake.draft_store import save_draft, take_draft
from intake.drafts import FOLLOW_UP_FORM, REPORT_FORM, Draft, draft_bound
from intake.errors import CsrfRefused, DraftRefused, DraftsFull
from intake.forms import ATTACHMENTS_FIELD
from intake.request_body import limits_of
from intake.state import IntakeState

# Neither crosses: the token is the session's anyway, and files never come back.
_NOT_CARRIED = frozenset({"csrf_token", ATTACHMENTS_FIELD})

# A reloaded page, Back to it, or a draft cookie forged, replayed or collected.
DRAFT_GONE_MESSAGE = _l(
    "Your answers could not be shown again, so this form is empty. Please fill it in again."
)


@dataclass(frozen=True)
class DraftPlace:
    """Where one form's drafts travel: the cookie's name, and the form's own path."""

    form: str
    cookie: str
    path: str


REPORT_DRAFTS = DraftPlace(form=REPORT_FORM, cookie="haven_report_draft", path="/report")
FOLLOW_UP_DRAFTS = DraftPlace(
    form=FOLLOW_UP_FORM, cookie="haven_follow_up_draft", path="/check/follow-up"
)
# A message carried from an expired follow-up, through the code, to the results page.
RESULTS_DRAFTS = DraftPlace(
    form=FOLLOW_UP_FORM, cookie="haven_results_draft", path="/check/results"
)
DRAFT_PLACES = (REPORT_DRAFTS, FOLLOW_UP_DRAFTS, RESULTS_DRAFTS)


def carried_fields(
    posted: MultiDict[str, str], known: Iterable[str]
) -> tuple[tuple[str, str], ...]:
    """The answers of `posted` the form knows, in order; nothing else a client sent."""
    names = set(known) - _NOT_CARRIED
    return tuple((name, value) for name, value in posted.items(multi=True) if name in names)


def redirect_with_draft(
    state: IntakeState, place: DraftPlace, draft: Draft,
    *, shown_here: Callable[[Draft], ResponseReturnValue],
) -> Response:  # fmt: skip
    """Store `draft` sealed and answer 303 to the form's page, the ticket in a cookie.

    When the drafts waiting to be read already hold all their room (a flood of
    them: intake/draft_store.py MAX_PENDING_BYTES), the form is the POST's own
    answer, `shown_here(draft)`: the answers are kept, at the price of that
    history entry holding them (docs/intake.md, "Forms sent back").
    """
    try:
        ticket = save_draft(state.engine, draft, today=state.today(), bound=_bound(state))
    except DraftsFull:
        return make_response(shown_here(draft))
    response = redirect(place.path, 303)
    response.set_cookie(
        place.cookie,
        str(ticket),
        path=place.path,
        httponly=True,
        samesite="Strict",
        secure=not state.config.plain_http,
    )
    return response


def take_pending_draft(state: IntakeState, place: DraftPlace) -> Draft | None:
    """The draft this request's cookie names, deleted as it is read; None without a cookie.

    DraftRefused when the cookie is forged, altered, replayed, or its draft was
    collected: the caller shows the empty form with DRAFT_GONE_MESSAGE.
    """
    token = request.cookies.get(place.cookie)
    if token is None:
        return None
    draft = take_draft(state.engine, DraftTicket.parse(token), bound=_bound(state))
    if draft.form != place.form:
        raise DraftRefused("a draft of another form")
    return draft


def shown_once(shown: ResponseReturnValue, place: DraftPlace, *, state: IntakeState) -> Response:
    """The form's page, dropping the draft cookie of `place` when the request brought one:
    reloaded, or reached again by Back or Forward, the draft is not shown again."""
    page = make_response(shown)
    if place.cookie in request.cookies:
        forget_draft_cookie(page, place, state=state)
    return page


def forget_draft_cookie(response: Response, place: DraftPlace, *, state: IntakeState) -> None:
    """Tell the browser to drop the draft cookie of `place` (sent whether or not it has one)."""
    response.delete_cookie(
        place.cookie,
        path=place.path,
        httponly=True,
        samesite="Strict",
        secure=not state.config.plain_http,
    )


def draft_formdata(draft: Draft) -> MultiDict[str, str]:
    """The draft's answers as formdata, with this session's CSRF token so they validate again."""
    return MultiDict([*draft.fields, ("csrf_token", generate_csrf())])


def require_csrf(fields: MultiDict[str, str]) -> None:
    """Refuse a body without the session's CSRF token: no draft is kept for it."""
    try:
        validate_csrf(fields.get("csrf_token", ""))
    except ValidationError:
        raise CsrfRefused("invalid CSRF token") from None


def _bound(state: IntakeState) -> int:
    return draft_bound(limits_of(state))
