"""Error pages: every refusal gets a clear page in the reporter's language."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from intake.errors import (
    ClientTooSlow,
    CsrfRefused,
    DraftTooLarge,
    MalformedUpload,
    UploadRefused,
    UploadsBusy,
    UploadTooLarge,
)
from intake.report_page import BUSY_RETRY_AFTER, MIB
from intake.request_body import read_body
from intake.url_adapter import url_adapter

DRAIN_READ_SIZE = 64 * 1024
# What a reporter told "busy" is asked to wait, in seconds.
BUSY_RETRY_AFTER_SECONDS = 120

TOO_LARGE_MESSAGES = {
    "total": _l("The files you attached are larger than this site accepts (%(limit)s in all)."),
    "files": _l("You attached more files than this site accepts (%(limit)s at most)."),
    "text": _l("One of your answers is longer than this site accepts (%(limit)s characters)."),
}

DATABASE_UNAVAILABLE_MESSAGE = _l(
    "This site cannot store reports at the moment, so yours was not accepted and no "
    "receipt was given. Please wait a few minutes, then go back and send it again."
)


def register_error_pages(
    app: Flask, *, max_upload_bytes: int, max_files: int, max_text_chars: int
) -> None:
    """Install handlers rendering templates/intake/error.html for every refusal."""
    limits = {
        # In MB of 1,048,576 bytes, rounded down, as the forms say it (intake/report_page.py).
        "total": f"{max_upload_bytes // MIB} MB",
        "files": str(max_files),
        "text": str(max_text_chars),
    }

    @app.errorhandler(UploadTooLarge)
    def too_large(error: UploadTooLarge) -> ResponseReturnValue:
        # A body declared too large is not waited for: the client may never send it.
        if not error.body_unread:
            drain_request_body(max_upload_bytes)
        message = TOO_LARGE_MESSAGES[error.limit] % {"limit": limits[error.limit]}
        return _page(413, _l("Too large"), message, back=True)

    @app.errorhandler(CsrfRefused)
    def csrf_refused(_error: CsrfRefused) -> ResponseReturnValue:
        drain_request_body(max_upload_bytes)
        return _page(
            400,
            _l("Please send the form again"),
            _l(
                "Your report could not be accepted because the page had expired or did not "
                "come from this site. Nothing was saved. "
                "Go back, reload the form and send it again."
            ),
            back=True,
        )

    @app.errorhandler(DraftTooLarge)
    def draft_too_large(_error: DraftTooLarge) -> ResponseReturnValue:
        # More text than any form of this site sends (intake/drafts.py): not a reporter's.
        return _page(413, _l("Too large"), TOO_LARGE_MESSAGES["text"] % {"limit": limits["text"]},
                     back=True)  # fmt: skip

    @app.errorhandler(MalformedUpload)
    def malformed(_error: UploadRefused) -> ResponseReturnValue:
        drain_request_body(max_upload_bytes)
        return _page(
            400,
            _l("Something went wrong"),
            _l(
                "Your browser sent the form in a way we could not read. Nothing was saved. "
                "Please go back and send it again."
            ),
            back=True,
        )

    @app.errorhandler(UploadsBusy)
    def uploads_busy(_error: UploadsBusy) -> ResponseReturnValue:
        # Nothing of the body is read: the point is to free this thread at once.
        page, status = _page(
            503,
            _l("Busy"),
            _l(
                "Many people are sending reports right now, and yours could not be "
                "received. Nothing was saved. Please wait a few minutes, then go back "
                "and send it again."
            ),
            back=True,
        )
        return page, status, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS), "Connection": "close"}

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(_error: Exception) -> ResponseReturnValue:
        # The database is down, restarting or unreachable (a PostgreSQL restart, a
        # failover, SQLite's writer lock held past the busy timeout). No receipt is
        # shown before the publishing commit, so nothing acknowledged is at stake:
        # the reporter is asked to come back, and the pool (pool_pre_ping,
        # intake/db.py) replaces the dead connections by itself once it is back.
        # Staged rows of the interrupted upload are collected when their lease ends.
        # The body is not drained: with the database gone it could not be stored.
        page, status = _page(503, _l("Busy"), DATABASE_UNAVAILABLE_MESSAGE, back=True)
        return page, status, {"Retry-After": BUSY_RETRY_AFTER, "Connection": "close"}

    @app.errorhandler(ClientTooSlow)
    def too_slow(_error: ClientTooSlow) -> ResponseReturnValue:
        # The connection fell below the minimum rate (intake/pacing.py); what was
        # staged is gone with the submission. The reporter may still be reading.
        page, status = _page(
            408,
            _l("The connection was too slow"),
            _l(
                "Your report arrived too slowly and the connection was closed. "
                "Nothing was saved. Please go back and send it again, "
                "perhaps with fewer or smaller files."
            ),
            back=True,
        )
        return page, status, {"Connection": "close"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code == 404:
            return _page(404, _l("Page not found"), _l("There is no page at this address."))
        if code == 413:
            return too_large(UploadTooLarge("total", body_unread=True))
        return _page(code, _l("Something went wrong"), _l("Please go back and try again."))


def _page(
    status: int, title: object, message: object, *, back: bool = False
) -> tuple[str, int]:
    url_adapter()  # the page's links, even for a request whose Host was refused
    return render_template("intake/error.html", title=title, message=message, back=back), status


def drain_after_refusal(refusal: UploadTooLarge, limit: int) -> None:
    """Read what a form refused for its size is still sending, where that ends soon.

    A form whose Content-Length alone was too large is read as far as its first
    file and refused there (`body_unread`), while the browser is still sending the
    file. Answered then, the connection closes on unread bytes and resets, and
    Chromium shows its own error page instead of following the 303 to the form
    with the answers. So the rest is drained too when it is no more than the drain
    reads (`limit`); a body declared larger than twice the limit still gets its
    answer at once, and a reset, rather than a thread reading it for minutes.
    """
    declared = request.content_length
    if refusal.body_unread and (declared is None or declared > 2 * limit):
        return
    drain_request_body(limit)


def drain_request_body(limit: int) -> None:
    # Reading what the client is still sending lets it receive this page instead of a
    # reset connection; the bytes are discarded unread, and draining stops at `limit`.
    stream = request.stream
    drained = 0
    while drained <= limit:
        try:
            data = read_body(cast(BinaryIO, stream), DRAIN_READ_SIZE)
        except (MalformedUpload, ClientTooSlow):
            return  # the body's framing is broken, or it stalled: nothing more to read
        if not data:
            return
        drained += len(data)
