"""Serving intake with gunicorn (threaded workers), never Flask's development server."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from flask import Flask
from flask.logging import default_handler
from gunicorn.app.base import BaseApplication

from intake.app import create_app
from intake.config import IntakeConfig
from intake.db import make_engine
from intake.leases import LeaseKeeper
from intake.logconfig import logconfig_dict
from intake.migrate import require_current_schema
from intake.state import state_of

# Reporters on Tor upload slowly, and each upload holds a thread while its body
# arrives: 2 x 160 threads hold 200 slow connections with room to spare
# (docs/intake.md, "Slow connections", gives the figures and the reasons).
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 160
# Long enough for a large upload over Tor between two reads of the body.
WORKER_TIMEOUT_SECONDS = 300


class IntakeServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application that builds the intake app in each worker."""

    def __init__(self, config: IntakeConfig, options: dict[str, Any]) -> None:
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    @property
    def intake_config(self) -> IntakeConfig:
        """The configuration the worker's pacing of slow clients reads."""
        return self._config

    @property
    def https(self) -> bool:
        """Whether intake is served over HTTPS, so every response gets HSTS."""
        return not self._config.plain_http

    def load(self) -> Flask:
        app = create_app(self._config)
        # Flask's own handler stamps the time and writes past gunicorn's logging
        # straight to the error stream; without it, the app logs through the
        # redacting root handler of logconfig_dict.
        app.logger.removeHandler(default_handler)
        # In the worker, after the fork: renewal runs for as long as the worker lives.
        state_of(app).leases.start()
        return app


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Return gunicorn settings that log nothing about who connects or what they send."""
    return {
        "bind": f"{host}:{port}",
        # gthread, answering gunicorn's own refusals with Haven's headers and no banner.
        "worker_class": "intake.worker.HavenWorker",
        # HTTP/1.1 only: the worker's refusals and banner removal are HTTP/1 framing.
        "http_protocols": "h1",
        "workers": workers,
        "threads": threads,
        # A worker accepts no more connections than it has threads, so no accepted
        # connection waits behind slow uploads for a thread; the others wait in the
        # kernel's backlog, where the other worker may take them. With no spare
        # connection slot there is no keep-alive: every response closes.
        "worker_connections": threads,
        "keepalive": 0,
        "timeout": WORKER_TIMEOUT_SECONDS,
        # No access log at all: it would record addresses, user agents and instants.
        # Nor is a record of one built for every request, only to be dropped.
        "accesslog": None,
        "logger_class": "intake.logconfig.NoAccessLogger",
        "disable_redirect_access_to_syslog": True,
        "errorlog": "-",
        "loglevel": "warning",
        # No time, no client address, no request line or URI, no exception messages.
        "logconfig_dict": logconfig_dict(level="WARNING"),
        # Reporters reach intake through Tor or a proxy on this machine, so every peer
        # is 127.0.0.1, which gunicorn trusts by default to set SCRIPT_NAME, PATH_INFO
        # and the scheme from request headers: any onion visitor could then choose
        # the path in every link of a page (and a page cache's key). Intake needs
        # none of them: its links are paths, and Secure cookies and HSTS follow its
        # configuration, not the request.
        "forwarded_allow_ips": "",
        "forwarder_headers": "",
        "secure_scheme_headers": {},
        "proc_name": "haven-intake",
        # No control socket left in $HOME: intake is managed by signals only.
        "control_socket_disable": True,
    }


def prepare_database(config: IntakeConfig) -> None:
    """Do the database's start-up work once, before gunicorn starts any worker.

    The schema must be current (a refusal here is one line, not a traceback from
    every worker), and staged rows of uploads that died with an earlier process
    whose lease has run out are collected, as every worker's lease keeper and
    `purge` also do.
    """
    engine = make_engine(config.database_url)
    try:
        require_current_schema(engine)
        LeaseKeeper(engine, lease_seconds=config.staged_lease_seconds).renew_and_collect()
    finally:
        # Forked workers must not inherit a pooled connection of this process.
        engine.dispose()


def upload_cap(config: IntakeConfig, *, threads: int) -> int:
    """Uploads each worker receives at once: the setting, leaving one thread at least
    free to answer the form and the "busy" page."""
    return max(1, min(config.max_concurrent_uploads, threads - 1))


def derivation_slots(*, workers: int, cores: int | None = None) -> int:
    """Argon2 derivations each worker runs at once: its share of the cores, at least one.

    The gate is per process, so `workers` processes with a slot per core each would
    run `workers` times more derivations than there are cores: each one slower for
    sharing its core, and each holding its 19 MiB (issue 11 measured 2 x 2 slots on
    2 cores at 168-175 MiB a worker).
    """
    return max(1, (cores or os.cpu_count() or 1) // workers)


def serve(config: IntakeConfig, *, host: str, port: int, workers: int, threads: int) -> None:
    """Prepare the database, then run intake under gunicorn until interrupted."""
    prepare_database(config)
    config = replace(
        config,
        max_concurrent_uploads=upload_cap(config, threads=threads),
        derivation_slots=derivation_slots(workers=workers),
    )
    options = gunicorn_options(host=host, port=port, workers=workers, threads=threads)
    IntakeServer(config, options).run()
