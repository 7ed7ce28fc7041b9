"""Pages answered once: what a reporter typed or was given is not shown again by Back and reload.

A page that shows a receipt code is the answer to a POST. Chromium keeps that
POST in the tab's history: Back, then Forward, then "Confirm resubmission"
would send it again, sending the report twice or showing the code again to
whoever holds the phone. Every such POST needs the session's CSRF token, so
forgetting the session's token once the page is answered makes the browser's
copy of the POST worthless: sent again, it is refused like a forged one
(intake/error_pages.py) and shows nothing. The quick exit forgets the whole
session, so no POST of the visit that a browser still holds (one answered
with an error page, say) can be sent again either.

Forgetting the token also changes the session cookie, which keeps these pages
out of Chromium's back/forward cache even where it admits no-store pages
(it evicts them when the site's cookies changed).
"""

from __future__ import annotations

from flask import g, session

# Flask-WTF keeps the raw token in the session and its signed form on `g` under
# this name (its WTF_CSRF_FIELD_NAME default, which intake does not change).
_CSRF_SESSION_KEY = "csrf_token"


def forget_csrf_token() -> None:
    """Make every form this browser was given so far unsendable; new forms get a new token."""
    session.pop(_CSRF_SESSION_KEY, None)
    g.pop(_CSRF_SESSION_KEY, None)


def forget_session() -> None:
    """Forget everything the session holds (the quick exit)."""
    session.clear()
    g.pop(_CSRF_SESSION_KEY, None)
