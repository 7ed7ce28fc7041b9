"""Benchmark: intake's own CPU per request of a submission, outside Argon2.

A submission is three requests: GET /report (the form), POST /report (the
multipart body: a narrative and 0-2 files of 10-500 KiB, as
bench/load_harness.py sends them), GET /receipt (the one-time receipt page).
This drives SUBMISSIONS of them through the app in process (Flask's test
client) with a negligible Argon2 cost, so that what is left is everything
else a request costs: Flask, CSRF, the session, WTForms, multipart decoding,
encryption, SQLite, Jinja. Each request's body carries a random multipart
boundary of its own, as browsers send (WebKit's ----WebKitFormBoundary and 16
random characters), so nothing cached per boundary is mistaken for free.

The app's CPU is the thread's (time.thread_time) around app.wsgi_app and the
consumption of the iterable it returns: the test client's own work (building
the request, keeping cookies, reading the answer) is left out. It prints the
mean ms of CPU per route and per submission; with --profile, the functions
with the most own CPU time inside the app (cProfile timed by time.thread_time).

    python bench/request_cpu.py [--submissions 300] [--warm-up 30]
                                [--profile [--top 40] [--sort cumulative]]
                                [--before /tmp/main-tree [--rounds 20]]

With --before, the tree given (an older commit's, unpacked by `git archive`)
and this one each run in a process of their own, side by side, and take turns
(ABBA) at --rounds batches of the same visits; their means per route are
printed with the ratio, and the spread of the per-batch ratios. The machine's
other load moves these figures by a third from one minute to the next, so only
batches measured seconds apart compare. Only create_app, load_config and
keys.receipt.Argon2Cost are asked of the other tree.

The figure is the CPU of one thread, which other load on the machine moves
less than wall time, yet still moves (a shared core, its caches, the clock
frequency): say how loaded it was when quoting it.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import os
import pstats
import random
import re
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The source tree measured: this one, or the --before tree in a child process.
TREE_VARIABLE = "REQUEST_CPU_TREE"
TREE = Path(os.environ.get(TREE_VARIABLE, ROOT))
sys.path.insert(0, str(TREE))

import keys  # noqa: E402
from intake import create_app  # noqa: E402
from intake.config import load_config  # noqa: E402
from keys.receipt import Argon2Cost  # noqa: E402

KIB = 1 << 10
# One pass over 8 KiB: Argon2 costs microseconds, so what is measured is the rest.
NEGLIGIBLE_COST = Argon2Cost(time_cost=1, memory_kib=8, parallelism=1)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT_CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
ROUTES = ("GET /report", "POST /report", "GET /receipt")
_BOUNDARY_CHARS = string.ascii_letters + string.digits


def browser_boundary(chooser: random.Random) -> str:
    """A multipart boundary as Chromium and Safari draw one for every form they send."""
    return "----WebKitFormBoundary" + "".join(chooser.choices(_BOUNDARY_CHARS, k=16))


def report_body(boundary: str, token: str, serial: int, files: list[bytes]) -> bytes:
    """The body bench/load_harness.py sends, under `boundary`."""
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'
        f"load harness report {serial}\r\n"
    ).encode()
    for index, data in enumerate(files):
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="file-{index}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


class AppMeter:
    """Wraps an app's wsgi_app to add each call's thread CPU time to its route's total."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self._wsgi_app = wsgi_app
        self.cpu: dict[str, float] = dict.fromkeys(ROUTES, 0.0)
        self.calls: dict[str, int] = dict.fromkeys(ROUTES, 0)
        self.measuring = False
        self.profile: cProfile.Profile | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        route = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
        if self.profile is not None and self.measuring:
            self.profile.enable()
        started = time.thread_time()
        answer = self._wsgi_app(environ, start_response)
        try:
            body = list(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        cpu = time.thread_time() - started
        if self.profile is not None and self.measuring:
            self.profile.disable()
        if self.measuring:
            self.cpu[route] += cpu
            self.calls[route] += 1
        return body


def make_data_dir(work: Path) -> Path:
    """A data directory as `haven intake init` makes it, with one X25519 reviewer."""
    data_dir = work / "data"
    haven = [sys.executable, "-c", "from haven.cli import main; main()"]
    subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)],
                   check=True, capture_output=True, cwd=TREE)  # fmt: skip
    recipients = data_dir / "recipients.txt"
    recipients.write_text(f"{keys.X25519Identity.generate().recipient()}\n")
    recipients.chmod(0o600)
    return data_dir


def submit(app: Any, serial: int) -> None:
    """One reporter's visit: the form, the report, the receipt; checked like the harness."""
    client = app.test_client()
    page = client.get("/report")
    match = CSRF.search(page.get_data(as_text=True))
    assert page.status_code == 200 and match, page.status_code
    chooser = random.Random(serial)
    files = [chooser.randbytes(chooser.randint(10 * KIB, 500 * KIB))
             for _ in range(chooser.randint(0, 2))]  # fmt: skip
    boundary = browser_boundary(chooser)
    answer = client.post(
        "/report",
        data=report_body(boundary, match.group(1), serial, files),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert answer.status_code == 303, (answer.status_code, answer.get_data(as_text=True)[:500])
    shown = client.get(answer.headers["Location"])
    assert shown.status_code == 200 and RECEIPT_CODE.search(shown.get_data(as_text=True))


class Bench:
    """A fresh data directory and app, driven a batch of visits at a time."""

    def __init__(self, work: Path, *, profile: cProfile.Profile | None = None) -> None:
        data_dir = make_data_dir(work)
        config = load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1"})
        self.app = create_app(dataclasses.replace(config, receipt_cost=NEGLIGIBLE_COST))
        self.meter = AppMeter(self.app.wsgi_app)
        self.meter.profile = profile
        self.app.wsgi_app = self.meter  # type: ignore[method-assign]
        self._serial = 0

    def visits(self, count: int, *, measured: bool = True) -> None:
        self.meter.measuring = measured
        for _ in range(count):
            submit(self.app, self._serial)
            self._serial += 1

    def close(self) -> None:
        self.app.extensions["haven_intake"].engine.dispose()


def per_request_ms(cpu: dict[str, float], calls: dict[str, int]) -> dict[str, float]:
    """Mean ms of CPU per request of each route, and per submission."""
    figures = {route: cpu[route] * 1000 / calls[route] for route in ROUTES}
    figures["submission"] = sum(cpu.values()) * 1000 / calls["POST /report"]
    return figures


def serve_batches(warm_up: int) -> None:
    """The child of compare(): a batch of visits for each count read, its CPU by route written."""
    with tempfile.TemporaryDirectory() as work:
        bench = Bench(Path(work))
        bench.visits(warm_up, measured=False)
        print("ready", flush=True)
        for line in sys.stdin:
            before = dict(bench.meter.cpu), dict(bench.meter.calls)
            bench.visits(int(line))
            cpu = {route: bench.meter.cpu[route] - before[0][route] for route in ROUTES}
            calls = {route: bench.meter.calls[route] - before[1][route] for route in ROUTES}
            print(json.dumps({"cpu": cpu, "calls": calls}), flush=True)
        bench.close()


def compare(before: Path, *, rounds: int, submissions: int, warm_up: int) -> None:
    """Measure `before` and this tree side by side, a batch at a time in turn; print both."""
    children = {
        label: subprocess.Popen(
            [sys.executable, __file__, "--batches", "--warm-up", str(warm_up)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, TREE_VARIABLE: str(tree)},
        )
        for label, tree in (("before", before), ("after", ROOT))
    }  # fmt: skip
    totals = {label: ({r: 0.0 for r in ROUTES}, dict.fromkeys(ROUTES, 0)) for label in children}
    ratios: list[float] = []
    try:
        for child in children.values():
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        batch = max(1, submissions // rounds)
        for turn in range(rounds):
            # ABBA: neither tree always runs first, just after the other warmed the caches.
            order = list(children) if turn % 2 == 0 else list(children)[::-1]
            batch_ms: dict[str, float] = {}
            for label in order:
                child = children[label]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"{batch}\n")
                child.stdin.flush()
                result = json.loads(child.stdout.readline())
                for route in ROUTES:
                    totals[label][0][route] += result["cpu"][route]
                    totals[label][1][route] += result["calls"][route]
                batch_ms[label] = sum(result["cpu"].values())
            ratios.append(batch_ms["after"] / batch_ms["before"])
    finally:
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait(60)
    figures = {label: per_request_ms(*totals[label]) for label in children}
    ratios.sort()
    print(f"{batch * rounds} submissions each, in {rounds} batches taken in turn (ABBA); the "
          f"app's thread CPU, mean ms per request (before: {before}):")  # fmt: skip
    print(f"  {'':13} {'before':>7} {'after':>7}  after/before")
    for route in (*ROUTES, "submission"):
        old, new = figures["before"][route], figures["after"][route]
        print(f"  {route:13} {old:7.2f} {new:7.2f}  {new / old:.2f}x")
    print(f"  a submission's after/before by batch: median {ratios[len(ratios) // 2]:.2f}x, "
          f"middle half {ratios[len(ratios) // 4]:.2f}-{ratios[3 * len(ratios) // 4]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--warm-up", type=int, default=30,
                        help="visits first, not measured (caches, first renderings)")  # fmt: skip
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"),
                        help="the profile's order: own CPU time, or with callees")  # fmt: skip
    parser.add_argument("--before", type=Path, help="an older source tree to compare with")
    parser.add_argument("--rounds", type=int, default=20,
                        help="with --before: the batches each tree's visits come in")  # fmt: skip
    parser.add_argument("--batches", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.batches:
        serve_batches(arguments.warm_up)
        return
    if arguments.before is not None:
        compare(arguments.before.resolve(), rounds=arguments.rounds,
                submissions=arguments.submissions, warm_up=arguments.warm_up)  # fmt: skip
        print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        return
    profile = cProfile.Profile(time.thread_time) if arguments.profile else None
    with tempfile.TemporaryDirectory() as work:
        bench = Bench(Path(work), profile=profile)
        bench.visits(arguments.warm_up, measured=False)
        bench.visits(arguments.submissions)
        bench.close()
    figures = per_request_ms(bench.meter.cpu, bench.meter.calls)
    print(f"{arguments.submissions} submissions (0-2 files of 10-500 KiB), Argon2 at "
          f"negligible cost; the app's thread CPU, mean per request:")  # fmt: skip
    for route, ms in figures.items():
        print(f"  {route:13} {ms:6.2f} ms")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats(arguments.sort).print_stats(arguments.top)


if __name__ == "__main__":
    main()
