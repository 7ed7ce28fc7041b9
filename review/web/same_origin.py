"""Only the review app's own pages may make requests that act on a session.

SameSite=Strict does not keep the session cookie from other ports: a page
served by any program on 127.0.0.1 is the same site, so its requests carry the
cookie. Such a page kept a session unlocked past its idle limit (every request
to an unlocked page refreshes the idle timer) and, by loading case pages, had
reports and attachments decrypted and "view" entries written in the
reviewer's name.

So every request except the stylesheet and the unlock form must show that it
came from this origin, and is refused with 403 before any view runs, so a
refused request touches neither the vault (nor its idle timer) nor the log:

1. Fetch Metadata, sent by every current browser on every request:
   `Sec-Fetch-Site` must be `same-origin` (one of our pages) or `none` (the
   reviewer typed the address or chose a bookmark).
2. `Origin`, sent with form posts and cross-origin fetches: when present it
   must be this app's own scheme, host and port.
3. A request with neither (a browser from before 2020, a script) must carry a
   `Referer` of this origin. Our pages send one to this origin only
   (`Referrer-Policy: same-origin`); a page elsewhere cannot forge it, and can
   suppress its own, so a request without one is refused.

Why a Referer rather than a token in the URL for that last case: every page of
an unlocked session has an effect (the idle timer), so a token would have to
ride in every link and form, would sit in the browser's history and
bookmarks, and would still need a page of its own for an address typed in;
the Referer needs no secret and no change to any link, and where something
strips it, the request fails closed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request

# `none`: the reviewer's own navigation (address bar, bookmark), which no page can cause.
OWN_FETCH_SITES = frozenset({"same-origin", "none"})
# Endpoints any page may load: the stylesheet, and the unlock form, whose GET
# shows a form and nothing else (its POST is checked like every other request,
# and so is a language link to it: review/web/language_choice.py).
OPEN_ENDPOINTS = {"static": frozenset({"GET", "HEAD"}), "auth.unlock": frozenset({"GET", "HEAD"})}


def require_own_pages() -> None:
    """Refuse (403) a request that does not show it came from the review app's own pages."""
    if request.endpoint is None:
        return  # no view will run: the 404 or 405 has no effect to protect
    if request.method in OPEN_ENDPOINTS.get(request.endpoint, frozenset()):
        return
    if not came_from_own_pages():
        abort(403)


def came_from_own_pages() -> bool:
    """Whether this request shows it came from the review app's own pages (or the reviewer)."""
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site is not None and site not in OWN_FETCH_SITES:
        return False
    if origin is not None and origin != own_origin():
        return False
    return site is not None or origin is not None or _referred_by_own_page()


def own_origin() -> str:
    """This app's origin as the browser addressed it."""
    # The Host header already passed TRUSTED_HOSTS: it names this server.
    return f"{request.scheme}://{request.host}"


def _referred_by_own_page() -> bool:
    referer = urlsplit(request.headers.get("Referer", ""))
    return f"{referer.scheme}://{referer.netloc}" == own_origin()
