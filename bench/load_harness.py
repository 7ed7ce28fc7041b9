"""Load harness: concurrent reporters against one node on SQLite and two nodes on one PostgreSQL.

CLIENTS reporters (default 50) send SUBMISSIONS reports in all (default 1,000:
a narrative and 0-2 files of 10-500 KiB each) to `haven intake serve` at
production Argon2 cost: one node on SQLite, then, with --database-url, two
nodes sharing that PostgreSQL database and the data directory's secrets (each
reporter keeps to one node, alternately). While they send, two pickups run at
once every few seconds (the nodes' share of `haven intake pickup`), and twice
more at the end. Then it checks: zero errors (every answer a 200 with a receipt
code), zero lost (every acknowledged report, by the number in its narrative, in
exactly one bundle) and no duplicates (no submission id in two bundles). It
prints throughput, latency p50/p95/p99, the peak RSS of every intake process,
and where the server's CPU goes: Argon2 (one derivation per submission,
measured alone in the same run) against everything else (parsing, encryption,
database). Exits non-zero if a check fails.

    python bench/load_harness.py [--clients 50] [--submissions 1000]
                                 [--database-url postgresql+psycopg://.../empty_db]

The client is a small asyncio one over the standard library's streams rather
than locust: 50 reporters in one event loop cost the shared 2 cores almost
nothing beside the server, the client needs nothing locust adds (a web UI,
distributed workers, gevent), and it must read each receipt code and report
number, which is a few lines here. The machine is shared: say how loaded it
was when quoting the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from intake_write import (  # noqa: E402
    BOUNDARY,
    cpu_seconds,
    free_port,
    peak_rss_per_process,
    process_tree,
    wait_for,
)

import keys  # noqa: E402
from keys.receipt import PRODUCTION_COST, derive_receipt_keys, generate_receipt_code  # noqa: E402

KIB = 1 << 10
RECEIPT_CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NARRATIVE = re.compile(r"load harness report (\d+)")
PICKUP_EVERY_SECONDS = 5.0
TIMEOUT_SECONDS = 600.0


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: set[int] = field(default_factory=set)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


@dataclass(frozen=True)
class Figures:
    """What one configuration's run measured and found."""

    throughput: float
    p50: float
    p95: float
    p99: float
    errors: dict[str, int]
    acknowledged: int
    picked: int
    bundles: int
    lost: int
    duplicates: int
    peaks: list[list[float]]
    cpu_ms: float


async def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request (Connection: close); return status, headers and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        # Several Set-Cookie lines (the session and the sealed receipt) stay apart.
        headers[key] = f"{headers[key]}\n{value.strip()}" if key in headers else value.strip()
    return int(status_line.split()[1]), headers, body


def cookie_values(headers: dict[str, str]) -> dict[str, str]:
    """The name=value pairs a response's Set-Cookie lines set."""
    pairs = (line.split(";", 1)[0] for line in headers.get("set-cookie", "").split("\n") if line)
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def report_body(token: str, serial: int, files: list[bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'
        f"load harness report {serial}\r\n",
    ]
    body = "".join(parts).encode()
    for index, data in enumerate(files):
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="file-{index}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode() + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


async def form_session(port: int) -> tuple[str, str]:
    """A fresh form: its CSRF token (good for one report) and the session cookie."""
    status, headers, page = await exchange(
        port, b"GET /report HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    match = CSRF.search(page.decode())
    assert status == 200 and match, status
    return match.group(1), "; ".join(f"{k}={v}" for k, v in cookie_values(headers).items())


async def receipt(port: int, cookie: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Follow the 303 to the one-time receipt page with the cookie it set, as a browser does."""
    cookies = "; ".join([cookie, *(f"{k}={v}" for k, v in cookie_values(headers).items())])
    status, _headers, page = await exchange(port, (
        f"GET /receipt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Cookie: {cookies}\r\n\r\n").encode())  # fmt: skip
    return status, page


async def reporter(port: int, serials: list[int], results: Results) -> None:
    while serials:
        serial = serials.pop()
        try:
            # A token serves one report (intake forgets it at the receipt), as for a
            # reporter who opens the form again to send another.
            token, cookie = await asyncio.wait_for(form_session(port), TIMEOUT_SECONDS)
        except (OSError, TimeoutError, ValueError, IndexError, AssertionError) as error:
            results.error(type(error).__name__)
            continue
        chooser = random.Random(serial)
        files = [chooser.randbytes(chooser.randint(10 * KIB, 500 * KIB))
                 for _ in range(chooser.randint(0, 2))]  # fmt: skip
        body = report_body(token, serial, files)
        request = (
            f"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        started = time.monotonic()
        try:
            status, headers, page = await asyncio.wait_for(
                exchange(port, request), TIMEOUT_SECONDS
            )
            if status == 303:
                status, page = await asyncio.wait_for(
                    receipt(port, cookie, headers), TIMEOUT_SECONDS
                )
        except (OSError, TimeoutError, ValueError, IndexError) as error:
            results.error(type(error).__name__)
            continue
        results.latencies.append(time.monotonic() - started)
        if status != 200 or not RECEIPT_CODE.search(page.decode()):
            results.error(str(status))
            continue
        results.acknowledged.add(serial)


def pickup(
    haven: list[str], data_dir: Path, out: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*haven, "intake", "pickup", "--data-dir", str(data_dir), "--out", str(out)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


async def pickups_during(
    haven: list[str], data_dir: Path, work: Path, env: dict[str, str], done: asyncio.Event
) -> list[Path]:
    """Two pickups at once every few seconds until `done`, then two such rounds more."""
    bundles: list[Path] = []
    rounds = final_rounds = 0
    while final_rounds < 2:
        final = done.is_set()
        pair = [work / f"bundle-{rounds}-{side}.tar" for side in ("a", "b")]
        processes = [pickup(haven, data_dir, out, env) for out in pair]
        for process in processes:
            while process.poll() is None:
                await asyncio.sleep(0.1)
            _out, errors = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"pickup failed: {errors.decode()[-500:]}")
        bundles += [out for out in pair if out.exists()]
        rounds += 1
        final_rounds += final
        if not final:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), PICKUP_EVERY_SECONDS)
    return bundles


def bundled(bundles: list[Path], identity: keys.X25519Identity) -> tuple[list[str], list[int]]:
    """Every submission id in the bundles, and the report numbers their reports carry."""
    ids: list[str] = []
    serials: list[int] = []
    for bundle in bundles:
        with tarfile.open(bundle) as tar:
            manifest_file = tar.extractfile("manifest.json")
            assert manifest_file is not None
            for entry in json.loads(manifest_file.read())["submissions"]:
                ids.append(entry["id"])
                sealed = tar.extractfile(f"submissions/{entry['id']}/report.age")
                assert sealed is not None
                report = json.loads(keys.decrypt(sealed.read(), identities=[identity]))
                match = NARRATIVE.fullmatch(report["answers"]["narrative"])
                if match:
                    serials.append(int(match.group(1)))
    return ids, serials


def derivation_seconds() -> tuple[float, float]:
    """One receipt derivation at production cost: median wall time and CPU time (all threads)."""
    walls, cpus = [], []
    for _ in range(7):
        code = generate_receipt_code()
        wall, cpu = time.perf_counter(), time.process_time()
        derive_receipt_keys(code, pepper=b"p" * 32, cost=PRODUCTION_COST)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run(
    label: str, *, nodes: int, database_url: str | None, clients: int, submissions: int
) -> Figures:
    haven = [sys.executable, "-c", "from haven.cli import main; main()"]
    with tempfile.TemporaryDirectory() as work_name:
        work = Path(work_name)
        data_dir = work / "data"
        env = dict(os.environ)
        if database_url:
            env["HAVEN_DATABASE_URL"] = database_url
        subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)],
                       check=True, capture_output=True, env=env)  # fmt: skip
        identity = keys.X25519Identity.generate()
        (data_dir / "recipients.txt").write_text(f"{identity.recipient()}\n")
        (data_dir / "recipients.txt").chmod(0o600)
        ports = [free_port() for _ in range(nodes)]
        servers = [
            subprocess.Popen(
                [*haven, "intake", "serve", "--data-dir", str(data_dir), "--port", str(port),
                 "--plain-http"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]  # fmt: skip
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_for(port, server)
            trees = [process_tree(server.pid) for server in servers]
            cpu_before = sum(cpu_seconds(tree) for tree in trees)
            results = Results()
            serials = list(range(submissions))

            async def load() -> tuple[float, list[Path]]:
                done = asyncio.Event()
                picking = asyncio.create_task(pickups_during(haven, data_dir, work, env, done))
                started = time.monotonic()
                await asyncio.gather(*(reporter(ports[n % nodes], serials, results)
                                       for n in range(clients)))  # fmt: skip
                wall = time.monotonic() - started
                done.set()
                return wall, await picking

            wall, bundles = asyncio.run(load())
            trees = [process_tree(server.pid) for server in servers]
            cpu = sum(cpu_seconds(tree) for tree in trees) - cpu_before
            peaks = [peak_rss_per_process(tree) for tree in trees]
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(60)
        ids, picked = bundled(bundles, identity)

    latencies = sorted(results.latencies)

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * share))] if latencies else 0

    lost = len(results.acknowledged - set(picked))
    twice = len(picked) - len(set(picked)) + len(ids) - len(set(ids))
    return Figures(
        throughput=submissions / wall,
        p50=percentile(0.5),
        p95=percentile(0.95),
        p99=percentile(0.99),
        errors=results.errors,
        acknowledged=len(results.acknowledged),
        picked=len(ids),
        bundles=len(bundles),
        lost=lost,
        duplicates=twice,
        peaks=peaks,
        cpu_ms=cpu * 1000 / submissions,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database")
    arguments = parser.parse_args()
    derivation, derivation_cpu = derivation_seconds()
    cores = os.cpu_count() or 1
    configurations = [("one node on SQLite", 1, None)]
    if arguments.database_url:
        configurations.append(("two nodes on one PostgreSQL", 2, arguments.database_url))
    failed = False
    print(f"{arguments.clients} clients, {arguments.submissions} submissions (0-2 files of "
          f"10-500 KiB), production Argon2: {derivation * 1000:.0f} ms a derivation, "
          f"ceiling {cores} cores / that = {cores / derivation:.2f}/s")  # fmt: skip
    for label, nodes, url in configurations:
        result = run(label, nodes=nodes, database_url=url, clients=arguments.clients,
                     submissions=arguments.submissions)  # fmt: skip
        throughput, cpu_ms = result.throughput, result.cpu_ms
        print(f"\n{label}")
        print(f"  throughput {throughput:.2f}/s = {throughput * derivation / cores:.2f}x the "
              f"Argon2-only ceiling")  # fmt: skip
        print(f"  latency p50 {result.p50:.2f} s, p95 {result.p95:.2f} s, p99 {result.p99:.2f} s")
        print(f"  errors: {sum(result.errors.values())} {result.errors or ''}")
        print(f"  acknowledged {result.acknowledged}, picked up {result.picked} "
              f"in {result.bundles} bundles; lost {result.lost}, "
              f"duplicates {result.duplicates}")  # fmt: skip
        for node, peaks in enumerate(result.peaks, start=1):
            shown = ", ".join(f"{peak:.0f}" for peak in peaks)
            print(f"  node {node} peak RSS per process (master first): {shown} MiB")
        # CPU time hardly depends on what else the machine runs; wall time does.
        argon2_share = min(1.0, derivation_cpu * 1000 / cpu_ms) if cpu_ms else 0.0
        dominant = "Argon2" if argon2_share >= 0.5 else "the rest (parsing, encryption, database)"
        print(f"  server CPU {cpu_ms:.0f} ms a submission, of which Argon2 (one derivation, "
              f"{derivation_cpu * 1000:.0f} ms of CPU alone) {argon2_share:.0%}; "
              f"dominant: {dominant}")  # fmt: skip
        if result.errors or result.lost or result.duplicates:
            failed = True
    if failed:
        raise SystemExit("load harness: FAILED")
    print("\nload harness: OK")


if __name__ == "__main__":
    main()
