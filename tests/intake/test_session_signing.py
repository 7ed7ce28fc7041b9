"""The session cookie's serializer, built once per process, signs and opens as Flask's does."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from intake.session_signing import KeptSerializerSessionInterface


def app_with(secret_key: str, fallbacks: list[str] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret_key, SECRET_KEY_FALLBACKS=fallbacks)
    return app


def test_one_serializer_serves_every_request_while_the_keys_stay() -> None:
    interface = KeptSerializerSessionInterface()
    app = app_with("k" * 32)
    first = interface.get_signing_serializer(app)
    assert first is not None
    assert interface.get_signing_serializer(app) is first


def test_its_cookies_and_flasks_open_each_other() -> None:
    app = app_with("k" * 32)
    kept = KeptSerializerSessionInterface().get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert kept is not None and flasks is not None
    session = {"csrf_token": "a" * 40, "note": ("tuple", 1)}
    assert flasks.loads(kept.dumps(session)) == session
    assert kept.loads(flasks.dumps(session)) == session


def test_new_keys_get_a_new_serializer_and_old_cookies_are_refused() -> None:
    interface = KeptSerializerSessionInterface()
    app = app_with("old" * 11)
    old = interface.get_signing_serializer(app)
    assert old is not None
    cookie = old.dumps({"csrf_token": "a"})
    app.config["SECRET_KEY"] = "new" * 11
    new = interface.get_signing_serializer(app)
    assert new is not None and new is not old
    assert new.loads_unsafe(cookie)[0] is False
    app.config["SECRET_KEY_FALLBACKS"] = ["old" * 11]
    rotated = interface.get_signing_serializer(app)
    assert rotated is not None and rotated is not new
    assert rotated.loads(cookie) == {"csrf_token": "a"}
