"""The headers of a locked-down site, on every response intake sends."""

from __future__ import annotations

from flask import Response

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


def security_header_items(*, https: bool) -> list[tuple[str, str]]:
    """The security headers of every response (HSTS only when served over HTTPS).

    The app's responses and the HTTP server's own refusals (intake/worker.py) both
    take them from here, so the two can never drift apart.
    """
    items = list(SECURITY_HEADERS.items())
    if https:
        items.append(("Strict-Transport-Security", HSTS))
    return items


def add_security_headers(response: Response, *, https: bool) -> Response:
    """Set the security headers on `response` (HSTS only when served over HTTPS)."""
    for name, value in security_header_items(https=https):
        response.headers[name] = value
    # No server fingerprint to help an attacker pick exploits.
    response.headers.pop("Server", None)
    return response
