"""Logging for intake under gunicorn: no client addresses, no times, no request data.

An intake log that a seizure or subpoena turns up must not say who connected,
when, or what they sent. gunicorn's defaults do all three: every line is
stamped to the second, a malformed request is logged with the client's address,
and a failed request with its URI. Exception messages can carry submitted
values too, so tracebacks keep their frames and exception types only.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import traceback
from types import TracebackType
from typing import Any

from gunicorn import glogging

# What gunicorn's own messages look like when they name a peer or a request.
_INVALID_REQUEST = "Invalid request from ip="
_ERROR_HANDLING_REQUEST = "Error handling request"
# Runs of characters an IP literal is made of; each is checked by `ipaddress`, so
# IPv6 in any spelling (compressed, IPv4-mapped, zoned) is found wherever it stands.
_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]{3,}(?:%[\w.-]+)?")
# Dotted quads even glued to letters, and clock times: neither may survive.
_DOTTED_QUAD = re.compile(r"(?<!\d)(?:\d{1,3}\.){3}\d{1,3}(?!\d)")
_CLOCK_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?!\d)")
REDACTED_ADDRESS = "[address]"
REDACTED_TIME = "[time]"


def redact(message: str) -> str:
    """`message` with every IP address and clock time replaced by a placeholder."""

    def address_or_text(match: re.Match[str]) -> str:
        token = match.group(0)
        # Punctuation around an address ("…from ::1.", "ip=::1:") is not part of it.
        for core in (token, token.rstrip(".:"), token.strip(".:")):
            try:
                ipaddress.ip_address(core.split("%", 1)[0])
            except ValueError:
                continue
            return token.replace(core, REDACTED_ADDRESS, 1)
        # Fail closed: a run with two or more colons that is no address as it stands
        # may still be one with a port after it or hex glued before it; hiding a
        # harmless one costs a log line's detail, leaking one breaks a promise.
        return REDACTED_ADDRESS if token.count(":") >= 2 else token

    message = _CANDIDATE.sub(address_or_text, message)
    message = _DOTTED_QUAD.sub(REDACTED_ADDRESS, message)
    return _CLOCK_TIME.sub(REDACTED_TIME, message)
FORMAT = "[%(process)d] [%(levelname)s] %(name)s: %(message)s"


class PeerDetailsFilter(logging.Filter):
    """Rewrites records that would name a client's address or what it requested."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(_INVALID_REQUEST):
            # The rest is the client's address and a quote of its malformed request.
            message = "Invalid request refused"
        elif message.startswith(_ERROR_HANDLING_REQUEST):
            message = _ERROR_HANDLING_REQUEST  # without the method and URI
        record.msg = redact(message)
        record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Formats records without a time, and tracebacks without exception messages."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        _, value, tb = ei
        if value is None:
            return ""
        return "".join(_withheld(traceback.TracebackException(type(value), value, tb))).rstrip()


def _withheld(exception: traceback.TracebackException) -> list[str]:
    """Lines of a traceback chain with every exception message left out."""
    lines: list[str] = []
    if exception.__cause__ is not None:
        lines += _withheld(exception.__cause__)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif exception.__context__ is not None and not exception.__suppress_context__:
        lines += _withheld(exception.__context__)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    lines.append("Traceback (most recent call last):\n")
    lines += exception.stack.format()
    kind = exception.exc_type
    name = f"{kind.__module__}.{kind.__qualname__}" if kind is not None else "exception"
    lines.append(f"{name} (message withheld)\n")
    return lines


class NoAccessLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger without an access log: no line of one is ever put together.

    With any logging configuration given, gunicorn builds every request's
    access-log record (the client's address, the request line, the user agent,
    every header) and only then drops it at the `gunicorn.access` logger's level,
    a tenth of a millisecond of CPU a request for nothing. Here there is no
    record to drop: nothing of a request is even formatted.
    """

    @property
    def access_log_enabled(self) -> bool:
        return False

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None


def logconfig_dict(*, level: str = "WARNING") -> dict[str, Any]:
    """Return gunicorn's `logconfig_dict`: one stderr handler, redacting, for every logger."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "redacting",
        "filters": ["peer_details"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"peer_details": {"()": PeerDetailsFilter}},
        "formatters": {"redacting": {"()": RedactingFormatter}},
        "handlers": {"stderr": handler},
        # The app's own loggers (Flask's "Exception on ...") propagate to the root.
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Replaces the handler gunicorn installs, whose format stamps the time.
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
