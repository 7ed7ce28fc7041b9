"""The headers of a locked-down site, on every response intake sends."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Pages use only the stylesheet and form posts to this origin: nothing else may load.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Reports must not survive in a shared computer's cache or history snapshots.
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

HSTS = "max-age=63072000"

# No server fingerprint to help an attacker pick exploits.
_FINGERPRINT = "server"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def security_header_items(*, https: bool) -> list[tuple[str, str]]:
    """The security headers of every response (HSTS only when served over HTTPS).

    The app's responses (SecureHeaders) and the HTTP server's own refusals
    (intake/worker.py) both take them from here, so the two can never drift apart.
    """
    items = list(SECURITY_HEADERS.items())
    if https:
        items.append(("Strict-Transport-Security", HSTS))
    return items


class SecureHeaders:
    """WSGI middleware: every response of `app` gets the security headers and no `Server`.

    Whatever the app set under one of those names (a static file's caching, say)
    is replaced. The header list is built once per app, and each response's is
    one filtered copy: setting them one by one on Werkzeug's Headers scanned and
    lower-cased the whole list and checked each value again, ten times a response.
    Wrapping the WSGI call rather than hooking Flask's after_request also covers
    a response whose after_request hooks failed.
    """

    def __init__(self, app: WsgiApp, *, https: bool) -> None:
        self._app = app
        self._items = tuple(security_header_items(https=https))
        self._replaced = frozenset(name.lower() for name, _ in self._items) | {_FINGERPRINT}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        replaced, items = self._replaced, self._items

        def start_secured(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            secured = [header for header in headers if header[0].lower() not in replaced]
            secured += items
            return start_response(status, secured, exc_info)

        return self._app(environ, start_secured)
