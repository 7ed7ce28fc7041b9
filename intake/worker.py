"""Haven's gunicorn worker: gunicorn's own answers carry the security headers and no banner.

gunicorn answers some requests itself, before the app sees them (a request line
or header block too long, framing it cannot parse, an exception that escapes
the app), and stamps `Server: gunicorn` on every response. Those answers would
be the one place a visitor meets an unlocked page and a fingerprint of the
server; this worker closes both, so every response Haven's server sends carries
the same header set, whoever generates it.
"""

from __future__ import annotations

import errno
import socket
import time
from functools import cached_property
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
from gunicorn.workers.gthread import TConn, ThreadWorker

from intake.errors import ClientTooSlow
from intake.headers import security_header_items
from intake.memory import share_malloc_arena
from intake.pacing import Pace, PacedReceiver, readable_within

# The statuses gunicorn gives its refusals; any other parse failure is a 400, and
# anything that is not a parse failure is the server's fault, a 500.
_REFUSALS: tuple[tuple[type[Exception], int, str], ...] = (
    (ClientTooSlow, 408, "Request Timeout"),
    (LimitRequestLine, 414, "URI Too Long"),
    (LimitRequestHeaders, 431, "Request Header Fields Too Large"),
    (UnsupportedTransferCoding, 501, "Not Implemented"),
    (ExpectationFailed, 417, "Expectation Failed"),
    (ForbiddenProxyRequest, 403, "Forbidden"),
    (ConfigurationProblem, 500, "Internal Server Error"),
)
_BAD_REQUEST = (400, "Bad Request")
_SERVER_ERROR = (500, "Internal Server Error")
# How often at most the worker tells the arbiter it is alive: the arbiter only
# needs it once within the worker timeout (intake/serve.py, 300 s).
HEARTBEAT_SECONDS = 1.0


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


class PacedConnection(TConn):  # type: ignore[misc]
    """gunicorn's connection, whose HTTP/1 parser reads through a PacedReceiver."""

    # TConn's: whether the request's first bytes are known to have arrived.
    data_ready: bool

    def __init__(self, *args: Any, pace: Pace) -> None:
        super().__init__(*args)
        self.pace = pace
        self.receiver: PacedReceiver | None = None
        self.closed = False

    def init(self) -> None:
        super().init()
        if self.receiver is None:
            # Only reads are paced: gunicorn writes responses to the socket itself.
            self.receiver = PacedReceiver(self.sock, self.pace)
            self.parser.unreader.sock = self.receiver

    def wait_for_data(self, timeout: float) -> bool:
        # gunicorn builds, registers and closes an epoll selector for this one wait
        # (four system calls and a selector object a connection); one poll(2) will do.
        if self.data_ready:
            return True
        try:
            ready = readable_within(self.sock, timeout)
        except (OSError, ValueError):
            return False  # the socket closed or invalid, as gunicorn's wait reports
        self.data_ready = ready
        return ready

    def close(self, graceful: bool = False) -> None:
        # Once only: the thread that served the last request closes it (see
        # HavenWorker.handle), and gunicorn's main loop then finds it closed.
        if not self.closed:
            self.closed = True
            super().close(graceful)


class HavenWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, answering its own refusals with Haven's headers,
    and cutting off clients that send a request too slowly (intake/pacing.py)."""

    _heartbeat_at = -HEARTBEAT_SECONDS

    def notify(self) -> None:
        # gunicorn's main loop calls this on every pass, a pass or two a connection,
        # each a utime(2) of the worker's heartbeat file.
        now = time.monotonic()
        if now - self._heartbeat_at >= HEARTBEAT_SECONDS:
            self._heartbeat_at = now
            super().notify()

    @cached_property
    def pace(self) -> Pace:
        """The slowest a client may send (the configuration's, fixed for the worker's life)."""
        config = self.app.intake_config
        return Pace(
            header_seconds=config.header_timeout_seconds,
            min_bytes_per_second=config.min_upload_bytes_per_second,
            window_seconds=config.upload_rate_window_seconds,
        )

    def accept(self, listener: socket.socket) -> None:
        # gunicorn's accept, building a PacedConnection instead of its TConn.
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        # gunicorn also sets the socket blocking here, which the connection's
        # constructor undoes at once (the thread that takes it sets it again), and asks
        # the listener its address, a system call a connection for a constant.
        conn = PacedConnection(
            self.cfg, client_sock, client_addr, self._addresses[listener], pace=self.pace
        )
        self.enqueue_req(conn)

    @cached_property
    def _addresses(self) -> dict[Any, Any]:
        """Each listening socket's own address (the worker's listeners never change)."""
        return {listener: listener.getsockname() for listener in self.sockets}

    def handle(self, conn: PacedConnection) -> Any:
        if conn.receiver is not None:
            conn.receiver.start_request()
        result = super().handle(conn)
        if result is False:
            # A graceful close lingers up to 2 s reading what the client still
            # sends. gunicorn does it on its main loop, where a client that never
            # closes its side would stall every accept for those 2 s; here it
            # costs this thread alone.
            conn.close(graceful=True)
        return result

    def handle_request(self, req: Any, conn: PacedConnection) -> bool:
        # The header block is parsed: the body's minimum rate applies from here.
        if conn.receiver is not None:
            conn.receiver.start_body()
        return bool(super().handle_request(req, conn))

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
