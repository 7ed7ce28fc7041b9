"""The review web app factory: offline, loopback only, no JavaScript, nothing from elsewhere."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response, render_template
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException, SecurityError

import templates
from review.casefile.categories import category_label
from review.casefile.choices import CHOICE_LABELS, PLACE_FIELDS, labelled_answer
from review.casefile.places import place_label
from review.config import ReviewConfig, load_config
from review.session.unlock import Throttle
from review.session.vault import Vault
from review.web import audit_log, auth, case, dashboard, evidence, inbox, same_origin
from review.web.i18n import (
    LANGUAGES_KEY,
    TRANSLATIONS_DIR,
    available_languages,
    language_name,
    language_tag,
    priority_label,
    reply_status_label,
    select_locale,
    status_label,
    text_direction,
)
from review.web.language_choice import install_language_chooser
from review.web.metadata_labels import metadata_label, metadata_value
from review.web.reporter_text import reporter_text
from review.web.state import EXTENSION_KEY, ReviewState
from review.workspace.store import Workspace

babel = Babel()
csrf = CSRFProtect()

# Everything the pages use comes from this origin; inline SVG charts need no script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Forms only: the largest upload is an identity file.
MAX_REQUEST_BYTES = 1024 * 1024
# A browser page on another site can resolve its name to 127.0.0.1 (DNS
# rebinding); answering only to loopback host names keeps it out. The address
# the server was told to bind (127.0.0.2, say) is added in the factory, so
# `serve --host` and the trusted hosts always agree.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
# Cookies are not isolated by port: every local service on 127.0.0.1 receives
# them. A per-process name keeps two review apps (or anything else on the
# machine) from reading or overwriting each other's cookie by name; the cookie
# itself carries only an opaque handle, signed with a per-process key, to a
# session held in this process's memory (docs/review.md: residual risk).
COOKIE_PREFIX = "haven_review_"


def create_app(config: ReviewConfig | None = None) -> Flask:
    """Build the review app for one workspace."""
    config = config or load_config(os.environ)
    app = Flask(
        __name__,
        template_folder=str(Path(templates.__file__).parent),
        static_folder=str(Path(__file__).parent.parent / "static"),
    )
    app.config.update(
        # A fresh key per process: sessions cannot outlive the process that
        # holds their identities, so there is nothing to persist or leak.
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME=COOKIE_PREFIX + secrets.token_hex(8),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        TRUSTED_HOSTS=trusted_hosts(config.host),
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
    )
    app.config[LANGUAGES_KEY] = available_languages()
    workspace = Workspace.open(config.workspace)
    vault = Vault(idle_seconds=config.idle_seconds)
    if config.reap_seconds > 0:
        # Identities and decrypted reports leave memory on time even if no
        # request ever comes again (the reviewer walked away from the laptop).
        vault.start_reaper(interval=config.reap_seconds)
    app.extensions[EXTENSION_KEY] = ReviewState(
        config=config,
        workspace=workspace,
        vault=vault,
        throttle=Throttle(base=config.unlock_delay_seconds),
    )
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["language_tag"] = language_tag
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["text_direction"] = text_direction
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["priority_label"] = priority_label
    app.jinja_env.globals["reply_status_label"] = reply_status_label
    app.jinja_env.globals["labelled_answer"] = labelled_answer
    app.jinja_env.globals["metadata_label"] = metadata_label
    app.jinja_env.globals["metadata_value"] = metadata_value
    app.jinja_env.globals["choice_fields"] = frozenset(CHOICE_LABELS) | PLACE_FIELDS
    app.jinja_env.filters["place_label"] = lambda place: place_label(place, get_locale())
    app.jinja_env.globals["category_label"] = category_label
    app.jinja_env.filters["category_label"] = category_label
    # First of all request hooks: a request from another page is refused
    # before anything (the CSRF check, the vault's idle timer) sees it.
    app.before_request(same_origin.require_own_pages)
    install_language_chooser(app, cookie_name=app.config["SESSION_COOKIE_NAME"] + "_language")
    # Every string from a report is shown through this one filter (reporter_text.py).
    app.jinja_env.filters["reporter_text"] = reporter_text
    csrf.init_app(app)
    for blueprint in (auth.blueprint, inbox.blueprint, case.blueprint, dashboard.blueprint,
                      evidence.blueprint, audit_log.blueprint):
        app.register_blueprint(blueprint)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _error_page)
    return app


def trusted_hosts(bound: str) -> list[str]:
    """The Host names the app answers to: loopback names and the address it is bound to."""
    literal = bound.strip("[]")
    extra = [literal, f"[{literal}]"] if ":" in literal else [literal]
    return [*LOOPBACK_HOSTS, *(h for h in extra if h not in LOOPBACK_HOSTS)]


def _error_page(error: HTTPException) -> Response | tuple[str, int]:
    # Our own page, so an error shows no framework details and keeps the same CSP.
    if isinstance(error, SecurityError):
        # An untrusted Host header: no page may build links from it.
        return Response(_("Bad request"), status=400, mimetype="text/plain")
    titles = {
        400: _("Bad request"),
        403: _("Refused"),
        404: _("Not found"),
        405: _("Not allowed"),
        413: _("Too large"),
        429: _("Too many attempts"),
    }
    messages = {
        400: _("The request was not valid. Go back and try again."),
        403: _("This request did not come from the review app's own pages, so nothing was done."
               " Open the page from the review app itself."),
        404: _("There is no such page, or no such case among those you can read."),
        413: _("That upload is too large."),
        429: _("Too many failed attempts with this identity file. Wait, then try again."),
    }
    code = error.code or 500
    message = messages.get(code, _("Something went wrong."))
    title = titles.get(code, _("Error"))
    # A refused request ran no view, so the page cannot know the session; the
    # inbox link is the way back for a reviewer (it locks itself if need be).
    return render_template("review/error.html", title=title, message=message,
                           inbox_link=code == 403), code


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # Decrypted pages must never land in the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    # Our own requests carry our URL, and nobody else's do: the Referer is the
    # proof of origin for browsers without Fetch Metadata (same_origin.py).
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
