"""Where a submission's time goes inside `haven intake serve`: a probe for the load harness.

Run as `python bench/phase_probe.py DIR intake serve ...` instead of `haven
intake serve ...`: before gunicorn starts (so every forked worker inherits
them) it wraps the steps a request passes through and has each worker append
one JSON line per step to DIR/phases-PID.jsonl, with its wall time and the
CPU time of the thread that ran it (time.thread_time). The wall time of a step
less its CPU time is the time its thread waited: for a core, the GIL, a lock,
the database or the network. The steps:

- "thread queue": from gunicorn's accept of a connection to a thread taking it
  (waiting for a free thread of the worker);
- "connection": a thread's whole handling of one connection (reading the
  request, the app, writing the answer);
- "GET /report", "POST /report", "GET /receipt": the app's part of each;
- within POST /report: "receive" (multipart parsing, attachment encryption and
  the batches written while the body arrives), "derivation slot wait" (the
  derivation gate), "Argon2" (the receipt derivation), "store report"
  (encrypting the report document) and "publish" (the one write transaction).

Nothing in intake/ knows of this: it replaces attributes of intake's classes
and modules in the benchmark's own process only.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_lock = threading.Lock()
_files: dict[int, Any] = {}


def record(directory: Path, phase: str, wall: float, cpu: float) -> None:
    """Append one step's times to this process's file (opened after the fork)."""
    line = json.dumps({"phase": phase, "wall": wall, "cpu": cpu}) + "\n"
    with _lock:
        pid = os.getpid()
        if pid not in _files:
            _files[pid] = open(directory / f"phases-{pid}.jsonl", "a", buffering=1)  # noqa: SIM115
        _files[pid].write(line)


@contextmanager
def timed(directory: Path, phase: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        record(directory, phase, time.perf_counter() - wall, time.thread_time() - cpu)


def wrap(owner: Any, name: str, directory: Path, phase: str) -> None:
    """Replace `owner.name` by a function timing each call of it as `phase`."""
    original: Callable[..., Any] = getattr(owner, name)

    def timed_call(*args: Any, **kwargs: Any) -> Any:
        with timed(directory, phase):
            return original(*args, **kwargs)

    setattr(owner, name, timed_call)


def install(directory: Path) -> None:
    import flask

    import intake.publishing
    from intake.derivation_gate import DerivationGate
    from intake.receiving import MultipartReceiver
    from intake.staging import StagedSubmission
    from intake.worker import HavenWorker

    wrap(MultipartReceiver, "receive", directory, "receive")
    wrap(intake.publishing, "derive_receipt_keys", directory, "Argon2")
    wrap(intake.publishing, "_store_document", directory, "store report")
    wrap(StagedSubmission, "publish", directory, "publish")
    wrap(HavenWorker, "handle", directory, "connection")

    for_submission = DerivationGate.for_submission

    @contextmanager
    def slot(self: DerivationGate) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        with for_submission(self):
            record(directory, "derivation slot wait", time.perf_counter() - wall,
                   time.thread_time() - cpu)  # fmt: skip
            yield

    DerivationGate.for_submission = slot  # type: ignore[method-assign]

    enqueue_req = HavenWorker.enqueue_req
    handle = HavenWorker.handle

    def stamped(self: HavenWorker, conn: Any) -> None:
        conn.probe_enqueued = time.perf_counter()
        enqueue_req(self, conn)

    def handle_stamped(self: HavenWorker, conn: Any) -> Any:
        enqueued = getattr(conn, "probe_enqueued", None)
        if enqueued is not None:
            record(directory, "thread queue", time.perf_counter() - enqueued, 0.0)
            conn.probe_enqueued = None  # a kept-alive connection's next request is not queued
        return handle(self, conn)

    HavenWorker.enqueue_req = stamped
    HavenWorker.handle = handle_stamped  # type: ignore[method-assign]

    wsgi_app = flask.Flask.wsgi_app

    def app_timed(self: flask.Flask, environ: dict[str, Any], start_response: Any) -> Any:
        phase = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        with timed(directory, phase):
            return wsgi_app(self, environ, start_response)

    flask.Flask.wsgi_app = app_timed  # type: ignore[method-assign]


def summary(directory: Path) -> dict[str, dict[str, float]]:
    """Per step: count, mean and p99 wall time, mean CPU time (seconds), over every worker."""
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    for path in directory.glob("phases-*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            walls.setdefault(entry["phase"], []).append(entry["wall"])
            cpus.setdefault(entry["phase"], []).append(entry["cpu"])
    result = {}
    for phase, times in walls.items():
        times.sort()
        result[phase] = {
            "count": len(times),
            "mean": sum(times) / len(times),
            "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
            "cpu": sum(cpus[phase]) / len(times),
        }
    return result


if __name__ == "__main__":
    install(Path(sys.argv[1]))
    sys.argv = ["haven", *sys.argv[2:]]
    from haven.cli import main

    main()
