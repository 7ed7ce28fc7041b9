"""Haven's gunicorn worker: gunicorn's own answers carry the security headers and no banner.

gunicorn answers some requests itself, before the app sees them (a request line
or header block too long, framing it cannot parse, an exception that escapes
the app), and stamps `Server: gunicorn` on every response. Those answers would
be the one place a visitor meets an unlocked page and a fingerprint of the
server; this worker closes both, so every response Haven's server sends carries
the same header set, whoever generates it.
"""

from __future__ import annotations

import socket
from typing import Any

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.http.errors import (
    ConfigurationProblem,
    ExpectationFailed,
    ForbiddenProxyRequest,
    InvalidResponseHeader,
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.workers.gthread import ThreadWorker

from intake.headers import security_header_items
from intake.memory import share_malloc_arena

# The statuses gunicorn gives its refusals; any other parse failure is a 400, and
# anything that is not a parse failure is the server's fault, a 500.
_REFUSALS: tuple[tuple[type[Exception], int, str], ...] = (
    (LimitRequestLine, 414, "URI Too Long"),
    (LimitRequestHeaders, 431, "Request Header Fields Too Large"),
    (UnsupportedTransferCoding, 501, "Not Implemented"),
    (ExpectationFailed, 417, "Expectation Failed"),
    (ForbiddenProxyRequest, 403, "Forbidden"),
    (ConfigurationProblem, 500, "Internal Server Error"),
)
_BAD_REQUEST = (400, "Bad Request")
_SERVER_ERROR = (500, "Internal Server Error")


def refusal_status(error: BaseException) -> tuple[int, str]:
    """The status and reason with which gunicorn's failure `error` is answered."""
    for kind, status, reason in _REFUSALS:
        if isinstance(error, kind):
            return status, reason
    # gunicorn's invalid *response* headers are parse exceptions too, but the app's fault.
    app_fault = isinstance(error, (InvalidResponseHeader, InvalidResponseHeaderName))
    if isinstance(error, ParseException) and not app_fault:
        return _BAD_REQUEST
    return _SERVER_ERROR


def refusal_response(status: int, reason: str, *, https: bool) -> bytes:
    """A complete plain-text response with Haven's header set, closing the connection.

    It quotes nothing of the request: gunicorn's own page echoes the offending
    method or header back, which a hostile request could use to shape the page.
    """
    body = f"{status} {reason}\n".encode("ascii")
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Connection: close",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in security_header_items(https=https)),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class BannerlessResponse(wsgi.Response):  # type: ignore[misc]
    """gunicorn's response without its `Server:` line (it has no setting to drop it)."""

    def default_headers(self) -> list[str]:
        headers: list[str] = super().default_headers()
        return [line for line in headers if not line.lower().startswith("server:")]


class HavenWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, answering its own refusals with Haven's headers."""

    def init_process(self) -> None:
        # wsgi.create looks Response up in its module on every request, so this is
        # the one place that reaches every response the worker writes. It runs in
        # the worker process only, after the fork.
        wsgi.Response = BannerlessResponse
        # Before any thread starts: freed Argon2 blocks are reused, not kept per thread.
        share_malloc_arena()
        super().init_process()

    @property
    def https(self) -> bool:
        """Whether responses get HSTS, as the app's own do."""
        return bool(self.app.https)

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        status, reason = refusal_status(exc)
        if status >= 500:
            # The log formatter keeps the traceback's frames, never its messages.
            self.log.exception("Error handling request")
        else:
            # Neither the peer's address nor a quote of what it sent.
            self.log.warning("Invalid request refused: %s", type(exc).__name__)
        try:
            util.write_nonblock(client, refusal_response(status, reason, https=self.https))
        except OSError:
            self.log.debug("Failed to send error message.")
