"""Benchmark: intake's write path, per submission and under concurrent reporters.

For each source tree given (this one, and with --before the tree of an older
commit, e.g. main's unpacked by `git archive`), in one run:

1. census: submissions through the app in process (Flask's test client), with
   every write transaction counted by SQLAlchemy's begin/commit events (every
   write runs in intake.db.writing(), which marks its connection). On SQLite in
   WAL mode each committed durable write transaction is one fsync of the WAL
   (checkpoints aside); a large file's staged batches commit without one.
2. load: `haven intake serve` (gunicorn, default workers and threads) on
   SQLite with production Argon2 cost, and CLIENTS concurrent reporters
   sending SUBMISSIONS small reports in all; throughput, p50 and p99 latency,
   peak RSS of every intake process.
3. the Argon2-only ceiling measured in the same run: cores divided by one
   receipt derivation's time at production cost (median of several).

    python bench/intake_write.py [--clients 40] [--submissions 400] [--rounds 1]
                                 [--before /tmp/main-tree]

With --rounds N the trees' load runs alternate N times (before, after, before,
after...), so a change in the machine's other load is not taken for a change
of the code.

The machine is shared: say how loaded it was when quoting the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BOUNDARY = "havenbenchboundary"
MIB = 1 << 20

# Runs inside the tree under test (PYTHONPATH), so it may use only what every
# version of intake has: create_app, load_config and the writing() marker.
CENSUS = r'''
import io, json, os, re, sys
from sqlalchemy import event
from intake.app import create_app
from intake.config import load_config

B = "havenbenchboundary"
app = create_app(load_config(os.environ))
engine = app.extensions["haven_intake"].engine
client = app.test_client()
page = client.get("/report").get_data(as_text=True)
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
counts = {"begun": 0, "committed": 0}

def begin(connection):
    if connection.get_execution_options().get("haven_writes"):
        counts["begun"] += 1
        connection.info["haven_bench_write"] = True

def commit(connection):
    if connection.info.pop("haven_bench_write", False):
        counts["committed"] += 1

def rollback(connection):
    connection.info.pop("haven_bench_write", False)

event.listen(engine, "begin", begin)
event.listen(engine, "commit", commit)
event.listen(engine, "rollback", rollback)

def field(name, value):
    return f'--{B}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()

def file(n, data):
    return (f'--{B}\r\nContent-Disposition: form-data; name="attachments"; filename="{n}.bin"'
            '\r\nContent-Type: application/octet-stream\r\n\r\n').encode() + data + b"\r\n"

cases = {
    "text only": [],
    "2 files of 100 KiB": [os.urandom(100 << 10), os.urandom(100 << 10)],
    "1 file of 20 MiB": [os.urandom(20 << 20)],
}
result = {}
for name, files in cases.items():
    body = (field("csrf_token", token) + field("narrative", "what happened " * 20)
            + b"".join(file(n, data) for n, data in enumerate(files)) + f"--{B}--\r\n".encode())
    before = dict(counts)
    response = client.post("/report", input_stream=io.BytesIO(body),
                           content_type=f"multipart/form-data; boundary={B}",
                           environ_overrides={"wsgi.input_terminated": True})
    # 303 to the receipt (200 on trees from before the POST/redirect/GET flow).
    assert response.status_code in (200, 303), response.status_code
    result[name] = {key: counts[key] - before[key] for key in counts}
print(json.dumps(result))
'''

ARGON2_ONLY = r'''
import json, statistics, time
from keys.receipt import PRODUCTION_COST, derive_receipt_keys, generate_receipt_code
times = []
for _ in range(7):
    code = generate_receipt_code()
    started = time.perf_counter()
    derive_receipt_keys(code, pepper=b"p" * 32, cost=PRODUCTION_COST)
    times.append(time.perf_counter() - started)
print(json.dumps(statistics.median(times)))
'''


def run_in(tree: Path, code: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": str(tree)},
        # `python -c` puts the working directory first on sys.path: it must be the tree.
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{tree}: {completed.stderr[-2000:]}")
    return completed.stdout.strip().splitlines()[-1]


def make_data_dir(tree: Path, root: Path) -> Path:
    data_dir = root / "data"
    haven = [sys.executable, "-c", "from haven.cli import main; main()"]
    subprocess.run(
        [*haven, "intake", "init", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    )
    identity = subprocess.run(
        ["age-keygen"], capture_output=True, text=True, check=True
    ).stderr.split()[-1]
    recipients = data_dir / "recipients.txt"
    recipients.write_text(identity + "\n")
    recipients.chmod(0o600)
    return data_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except (OSError, http.client.HTTPException):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server did not start") from None
            time.sleep(0.1)


def browser_cookies(cookie: str, set_cookies: list[str]) -> str:
    """The Cookie header a browser sends next: `cookie` as the Set-Cookie lines changed it.

    The 303 after a report sets the sealed receipt and a new session cookie, and the
    seal opens only beside the session it was made for (intake/seal_binding.py).
    """
    jar = dict(pair.split("=", 1) for pair in cookie.split("; ") if "=" in pair)
    for line in set_cookies:
        name, _, value = line.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return "; ".join(f"{name}={value}" for name, value in jar.items() if value)


def receipt_page(port: int, cookie: str, set_cookies: list[str]) -> tuple[int, str]:
    """Follow a submission's 303 to the one-time receipt page, as a browser does.

    The code crosses the redirect sealed in the haven_receipt cookie the 303 sets.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/receipt",
                       headers={"Cookie": browser_cookies(cookie, set_cookies)})  # fmt: skip
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    return response.status, page


def form_session(port: int) -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/report")
    response = connection.getresponse()
    page = response.read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match
    return match.group(1), response.getheader("Set-Cookie", "").split(";")[0]


def report_body(token: str, serial: int) -> bytes:
    parts = [("csrf_token", token), ("narrative", f"report {serial}: " + "what happened " * 30)]
    return b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in parts
    ) + f"--{BOUNDARY}--\r\n".encode()


def process_tree(root_pid: int) -> list[int]:
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    pids = [root_pid]
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    return pids


def peak_rss_per_process(pids: list[int]) -> list[float]:
    """Each live process's peak resident set (VmHWM), in MiB."""
    peaks = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return peaks


def peak_rss_mib(pids: list[int]) -> float:
    return max(peak_rss_per_process(pids))


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def load(tree: Path, data_dir: Path, *, clients: int, submissions: int) -> dict[str, float]:
    port = free_port()
    haven = [sys.executable, "-c", "from haven.cli import main; main()"]
    server = subprocess.Popen(
        [*haven, "intake", "serve", "--data-dir", str(data_dir), "--port", str(port),
         "--plain-http"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    )  # fmt: skip
    try:
        wait_for(port, server)
        sessions = [form_session(port) for _ in range(clients)]
        cpu_before = cpu_seconds(process_tree(server.pid))
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        remaining = iter(range(submissions))

        def reporter(token: str, cookie: str) -> None:
            while True:
                with lock:
                    serial = next(remaining, None)
                if serial is None:
                    return
                body = report_body(token, serial)
                headers = {
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                    "Content-Length": str(len(body)),
                    "Cookie": cookie,
                }
                started = time.monotonic()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                connection.request("POST", "/report", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                connection.close()
                elapsed = time.monotonic() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status not in (200, 303):  # 303: to the receipt
                        errors.append(response.status)

        threads = [threading.Thread(target=reporter, args=session) for session in sessions]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        peak = peak_rss_mib(process_tree(server.pid))
        # CPU per submission hardly depends on what else the machine runs; rates do.
        cpu = cpu_seconds(process_tree(server.pid)) - cpu_before
    finally:
        server.terminate()
        server.wait(60)
    latencies.sort()
    return {
        "throughput": submissions / wall,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": float(len(errors)),
        "peak_rss_mib": peak,
        "cpu_ms": cpu * 1000 / submissions,
    }


def census_of(tree: Path) -> dict[str, dict[str, int]]:
    with tempfile.TemporaryDirectory() as work:
        data_dir = make_data_dir(tree, Path(work))
        env = {**os.environ, "HAVEN_DATA_DIR": str(data_dir)}
        counts: dict[str, dict[str, int]] = json.loads(run_in(tree, CENSUS, env))
        return counts


def load_of(tree: Path, *, clients: int, submissions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as work:
        data_dir = make_data_dir(tree, Path(work))
        return load(tree, data_dir, clients=clients, submissions=submissions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=1, help="alternating load runs per tree")
    parser.add_argument("--before", type=Path, help="tree of the commit to compare with")
    arguments = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    trees = {"after (this tree)": here}
    if arguments.before is not None:
        trees = {f"before ({arguments.before})": arguments.before.resolve(), **trees}

    derivation = json.loads(run_in(here, ARGON2_ONLY, dict(os.environ)))
    cores = os.cpu_count() or 1
    ceiling = cores / derivation
    censuses = {label: census_of(tree) for label, tree in trees.items()}
    loads: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for _ in range(arguments.rounds):
        for label, tree in trees.items():
            under_load = load_of(tree, clients=arguments.clients, submissions=arguments.submissions)
            # The ceiling again right after the run, under the machine's load of the moment.
            under_load["ceiling"] = cores / json.loads(run_in(here, ARGON2_ONLY, dict(os.environ)))
            loads[label].append(under_load)

    print(f"Argon2 at production cost: {derivation * 1000:.0f} ms a derivation; "
          f"ceiling {cores} cores / that = {ceiling:.2f} submissions/s")  # fmt: skip
    for label in trees:
        print(f"\n{label}")
        print("  write transactions (= WAL fsyncs) per submission:")
        for case, counts in censuses[label].items():
            print(f"    {case:20} {counts['committed']:4}")
        print(f"  {arguments.clients} clients, {arguments.submissions} text-only submissions, "
              "SQLite, production Argon2:")  # fmt: skip
        for number, under_load in enumerate(loads[label], start=1):
            throughput = under_load["throughput"]
            print(f"    round {number}: throughput {throughput:.2f}/s = "
                  f"{throughput / ceiling:.2f}x the first ceiling, "
                  f"{throughput / under_load['ceiling']:.2f}x the ceiling measured right after "
                  f"({under_load['ceiling']:.2f}/s)")  # fmt: skip
            p50, p99, peak = under_load["p50"], under_load["p99"], under_load["peak_rss_mib"]
            print(f"      latency p50 {p50:.2f} s, p99 {p99:.2f} s; "
                  f"errors {under_load['errors']:.0f}; "
                  f"peak RSS of an intake process {peak:.0f} MiB; "
                  f"server CPU {under_load['cpu_ms']:.0f} ms a submission")  # fmt: skip


if __name__ == "__main__":
    main()
