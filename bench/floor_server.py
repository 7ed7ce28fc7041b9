"""The least a served submission can cost: Haven's serving frame around Argon2 and no app work.

    python bench/floor_server.py --data-dir DIR --port PORT [--workers 2]

The load harness's `--floor` runs its reporters against this server as well as
against `haven intake serve`, in the same run and with the same client. It is
intake's own frame: gunicorn with `intake.serve.gunicorn_options` (Haven's
worker, its pacing of slow clients, 2 workers of 160 threads, no keep-alive),
the same derivation gate with the same slots a worker, and Flask's signed
session cookie. Inside that frame it answers the three requests of a visit with
nothing else:

- GET /report: a page of the English form's size with a fresh token, kept in
  the session;
- POST /report: reads the body to its end through Werkzeug's stream without
  parsing, encrypting or storing any of it, derives a receipt code at
  production Argon2 cost through the gate, puts the code in the session and
  answers 303;
- GET /receipt: a page of the receipt page's size showing the code.

So its throughput is what Argon2 allows once the framework, the connections,
the client on the same cores and the gate's per-worker slots have taken their
share: an upper bound on what intake itself can reach on this machine, since
intake does all of it and parses, checks, encrypts and stores as well. It is a
benchmark instrument only: nothing is checked, kept or picked up.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import replace
from pathlib import Path

from flask import Flask, Response, redirect, request, session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.config import IntakeConfig, load_config  # noqa: E402
from intake.derivation_gate import DerivationGate  # noqa: E402
from intake.serve import (  # noqa: E402
    DEFAULT_THREADS,
    DEFAULT_WORKERS,
    IntakeServer,
    derivation_slots,
    gunicorn_options,
)
from keys.receipt import PRODUCTION_COST, derive_receipt_keys, generate_receipt_code  # noqa: E402

# The sizes of intake's English form and receipt pages, so that the frame writes
# as many bytes a visit (tests/intake/test_floor_server.py holds them to intake's).
FORM_PAGE_BYTES = 47_000
RECEIPT_PAGE_BYTES = 4_900
_HTML = {"Content-Type": "text/html; charset=utf-8"}


def floor_app(config: IntakeConfig) -> Flask:
    """A Flask app answering a visit's three requests with only the receipt derivation."""
    app = Flask(__name__)
    app.secret_key = config.secret_key
    gate = DerivationGate(
        slots=config.derivation_slots or 1, checkbacks_per_minute=config.checkbacks_per_minute
    )
    pepper = config.receipt_pepper

    @app.get("/")
    def root() -> str:
        return "floor"

    @app.get("/report")
    def form() -> Response:
        token = secrets.token_urlsafe(32)
        session["token"] = token
        field = f'<input name="csrf_token" type="hidden" value="{token}">'.encode()
        return Response(field + b" " * (FORM_PAGE_BYTES - len(field)), 200, _HTML)

    @app.post("/report")
    def report() -> Response:
        while request.stream.read(1 << 16):
            pass
        code = generate_receipt_code()
        with gate.for_submission():
            derive_receipt_keys(code, pepper=pepper, cost=PRODUCTION_COST)
        session["code"] = code
        return redirect("/receipt", 303)

    @app.get("/receipt")
    def receipt() -> Response:
        shown = f'<p class="receipt-code" lang="en" dir="ltr">{session.pop("code", "")}</p>'
        page = shown.encode()
        return Response(page + b" " * (RECEIPT_PAGE_BYTES - len(page)), 200, _HTML)

    return app


class FloorServer(IntakeServer):
    """intake's gunicorn application, building the floor app in each worker instead."""

    def load(self) -> Flask:
        return floor_app(self.intake_config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    arguments = parser.parse_args()
    workers = arguments.workers
    config = load_config({**os.environ, "HAVEN_DATA_DIR": str(arguments.data_dir)})
    # As `haven intake serve` shares the cores among its workers' gates.
    config = replace(config, derivation_slots=derivation_slots(workers=workers))
    options = gunicorn_options(
        host="127.0.0.1", port=arguments.port, workers=workers, threads=DEFAULT_THREADS
    )
    FloorServer(config, options).run()


if __name__ == "__main__":
    main()
