"""Serving the review app with gunicorn, on a loopback address and nowhere else.

Why gunicorn and not Werkzeug's development server: even offline, the app holds
decrypted reports, and gunicorn is a maintained production server with bounded
request parsing and clean signal handling (Ctrl-C stops it at once). Why one
worker: unlocked identities live in that process's memory only, so every
request must reach the same process; threads serve a few tabs at a time.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from review.config import ReviewConfig
from review.errors import ConfigError
from review.web.app import create_app
from review.web.state import EXTENSION_KEY

THREADS = 4
LOOPBACK_NAMES = {"localhost": "127.0.0.1"}


def loopback_address(host: str) -> str:
    """`host` as a loopback IP literal, or ConfigError: the app must never face a network."""
    literal = LOOPBACK_NAMES.get(host.lower(), host).strip("[]")
    try:
        address = ipaddress.ip_address(literal)
    except ValueError:
        raise ConfigError(f"{host!r} is not a loopback IP address") from None
    if not address.is_loopback:
        raise ConfigError(f"refusing to listen on {host}: the review app binds to loopback only")
    return f"[{address}]" if address.version == 6 else str(address)


class LoopbackServer(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """A gunicorn application that builds the review app inside its single worker."""

    def __init__(self, config: ReviewConfig, *, host: str, port: int) -> None:
        # The app trusts exactly the Host it is bound to (plus loopback names).
        self._config = dataclasses.replace(config, host=loopback_address(host))
        self._bind = f"{loopback_address(host)}:{port}"
        self._app: Flask | None = None
        super().__init__()

    def load_config(self) -> None:
        """Fix every setting here: BaseApplication reads no config file and no environment."""
        settings: dict[str, Any] = {
            "bind": [self._bind],
            "workers": 1,
            "worker_class": "gthread",
            "threads": THREADS,
            # No access log: URLs carry case ids and search terms.
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            # Gunicorn's control socket would be another listener (and a file in $HOME).
            "control_socket_disable": True,
            "proc_name": "haven-review",
            "graceful_timeout": 5,
            "worker_exit": self._worker_exit,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Create the app in the worker, so no database connection crosses the fork."""
        self._app = create_app(self._config)
        return self._app

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        # Stop the idle reaper and drop every unlocked session before the worker ends.
        if self._app is not None:
            self._app.extensions[EXTENSION_KEY].vault.stop()
