"""The quick exit: where the "Quick exit" link sends a reporter who must leave at once."""

from __future__ import annotations

from urllib.parse import urlsplit

from intake.addresses import is_loopback

# Somewhere anyone might be reading, which says nothing about why they left.
DEFAULT_QUICK_EXIT_URL = "https://www.wikipedia.org/"


def parse_quick_exit_url(text: str) -> str:
    """Return `text` if it is an absolute https URL (http only on loopback); else ValueError."""
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError as error:
        raise ValueError(f"{text!r} is not a URL: {error}") from None
    if not host:
        raise ValueError(f"{text!r} is not an absolute URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a quick-exit URL must not carry credentials")
    # Plain http would let a network observer see where the reporter went; it is allowed
    # only for a server on this machine, as the browser tests use.
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise ValueError(f"{text!r} must be an https:// URL")
    return text
