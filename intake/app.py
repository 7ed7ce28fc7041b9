"""The intake application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_babel import Babel, get_locale

import templates
from intake.capability import CapabilityIssuer, capability_key
from intake.checkback_forms import follow_up_form_class
from intake.checkback_views import checkback_blueprint
from intake.config import IntakeConfig, load_config
from intake.courier_views import install_courier
from intake.days import Today, utc_today
from intake.db import make_engine
from intake.derivation_gate import DerivationGate, default_slots
from intake.error_pages import register_error_pages
from intake.form_request import FormRequest
from intake.forms import report_form_class
from intake.headers import SecureHeaders
from intake.i18n import (
    DEFAULT_LANGUAGE,
    TRANSLATIONS_DIR,
    available_languages,
    language_tag,
    select_locale,
    text_direction,
)
from intake.language_choice import install_language_chooser
from intake.leases import LeaseKeeper
from intake.migrate import require_current_schema
from intake.session_signing import KeptSerializerSessionInterface
from intake.state import IntakeState, attach_state
from intake.upload_slots import install_upload_slots
from intake.views import blueprint

SESSION_COOKIE_NAME = "haven_intake"
# Over HTTPS the session cookie is a __Host- cookie: browsers take it only Secure,
# for Path=/ and without Domain, so no other host (a sibling subdomain, a plain-http
# answer on the way) can plant a session of its choosing in the reporter's browser.
HOST_SESSION_COOKIE_NAME = "__Host-" + SESSION_COOKIE_NAME


def session_cookie_name(*, plain_http: bool) -> str:
    """The session cookie's name: __Host- wherever it can be (HTTPS)."""
    return SESSION_COOKIE_NAME if plain_http else HOST_SESSION_COOKIE_NAME

babel = Babel()


def create_app(config: IntakeConfig | None = None, *, today: Today = utc_today) -> Flask:
    """Return the intake app for `config` (loaded from HAVEN_* variables when omitted)."""
    if config is None:
        config = load_config(os.environ)
    engine = make_engine(config.database_url)
    # Every worker builds its own app: start-up work done once per server, such as
    # collecting staged leftovers, belongs to intake.serve.prepare_database instead.
    require_current_schema(engine)

    app = Flask(__name__, template_folder=Path(templates.__file__).parent)
    # No route's form parsing writes a file part anywhere (intake/form_request.py).
    app.request_class = FormRequest
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_NAME=session_cookie_name(plain_http=config.plain_http),
        # What a __Host- cookie requires: Path=/ and no Domain (Flask's defaults, kept).
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=not config.plain_http,
        # A frightened person may take an hour over the narrative: the token lives as
        # long as the browser session, which SameSite=Strict already binds to this site.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        HAVEN_LANGUAGES=available_languages(),
    )
    app.session_interface = KeptSerializerSessionInterface()
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        get_locale=get_locale, text_direction=text_direction, language_tag=language_tag
    )
    install_language_chooser(app, secure_cookie=not config.plain_http)
    state = IntakeState(
        config=config,
        engine=engine,
        report_form=report_form_class(max_text_chars=config.max_text_chars),
        follow_up_form=follow_up_form_class(max_text_chars=config.max_text_chars),
        today=today,
        gate=DerivationGate(
            slots=config.derivation_slots or default_slots(),
            checkbacks_per_minute=config.checkbacks_per_minute,
        ),
        # Every worker and node sharing the data directory derives the same key.
        capabilities=CapabilityIssuer(key=capability_key(config.secret_key)),
        leases=LeaseKeeper(engine, lease_seconds=config.staged_lease_seconds, today=today),
    )
    attach_state(app, state)
    install_upload_slots(app, config.max_concurrent_uploads)
    app.register_blueprint(blueprint)
    app.register_blueprint(checkback_blueprint)
    if config.courier:
        # Off by default: when off, its paths are unknown ones (404), not refusals.
        install_courier(app, state)
    register_error_pages(
        app,
        max_upload_bytes=config.max_upload_bytes,
        max_files=config.max_files,
        max_text_chars=config.max_text_chars,
    )

    # Outermost, so that every response the app gives goes out with them.
    app.wsgi_app = SecureHeaders(app.wsgi_app, https=not config.plain_http)  # type: ignore[method-assign]
    return app
