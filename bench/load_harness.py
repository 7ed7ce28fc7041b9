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
prints throughput against the Argon2-only ceiling (measured before the run and
again after each configuration, since the machine's other load moves it),
latency p50/p95/p99, the peak RSS of every intake process, where a request's
time goes inside the workers, and the CPU-bound ratio: Argon2's CPU time over
the intake processes' whole CPU time a submission, the share of the ceiling
they would reach with the cores to themselves, which other load on the
machine hardly changes. Exits non-zero if a check fails.

    python bench/load_harness.py [--clients 50] [--submissions 1000]
                                 [--offered 0.85 | --closed-loop] [--floor] [--workers 2]
                                 [--database-url postgresql+psycopg://.../empty_db]

With --floor it first sends the same load to bench/floor_server.py, intake's
own serving frame (gunicorn options, worker, derivation gate, session cookie)
answering each visit with the receipt derivation and nothing else, and prints
every intake configuration's throughput against it too: the floor's share of
the ceiling is the most intake could reach on this machine with this frame and
this client beside it.

Reporters think between submissions. A real reporter spends minutes on a form,
so 50 of them never send back to back; 50 clients that do (a closed loop with
no think time) keep 50 requests in the server at every instant, and by
Little's law their mean latency is then at least 50 / C seconds at a ceiling
of C submissions a second (7.7 s at 6.5/s) however fast the server is: "p99
under 3 s at 0.8x the ceiling" can only hold for reporters who pause. So each
reporter waits an exponentially distributed time before each report (the
interval of a Poisson process, memoryless like independent people), its mean
chosen so that the reporters together offer OFFERED (default 0.85) times the
Argon2-only ceiling measured at the start of the same run: each reporter's
cycle (thinking, then its visit: form, report, receipt) lasts
CLIENTS / (OFFERED x ceiling) seconds on average, so the mean think time is
that less the mean visit so far. If the server falls behind, visits grow,
think times shrink to nothing and the harness becomes a closed loop: the
throughput printed is what the server served. --closed-loop sends back to
back from the start (the stress case: how the server queues, where it
refuses with "busy").

Inside the servers, bench/phase_probe.py times each step of a request in
every worker (thread queue, multipart receiving, the derivation slot, Argon2,
encryption, the publishing transaction) with its wall and CPU time; the
harness prints them per configuration, with the requests' CPU by route.

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
import functools
import json
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import phase_probe  # noqa: E402
from intake_write import (  # noqa: E402
    BOUNDARY,
    browser_cookies,
    cpu_seconds,
    free_port,
    peak_rss_per_process,
    process_tree,
    wait_for,
)

import keys  # noqa: E402
from keys.receipt import PRODUCTION_COST, derive_receipt_keys, generate_receipt_code  # noqa: E402

KIB = 1 << 10
# Searched in the answers' bytes: the pages need no decoding to be checked.
RECEIPT_CODE = re.compile(rb'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
NARRATIVE = re.compile(r"load harness report (\d+)")
PICKUP_EVERY_SECONDS = 5.0
# The least mean think time, once visits take a whole cycle: then hardly a pause.
MIN_THINK_SECONDS = 0.001
TIMEOUT_SECONDS = 600.0
# An answer (a page, or a redirect) arrives in a read or two of this size.
ANSWER_READ_SIZE = 256 * KIB
# Request pieces smaller than this are joined to their neighbours, larger ones sent as they are.
SMALL_PIECE_BYTES = 64 * KIB


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: set[int] = field(default_factory=set)
    visits: list[float] = field(default_factory=list)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def mean_visit(self) -> float:
        """A reporter's time on one submission so far (form, report, receipt), on average."""
        return sum(self.visits) / len(self.visits) if self.visits else 0.0


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
    client_cpu_ms: float
    prepare_cpu_ms: float
    pickup_cpu_ms: float
    database_cpu_ms: float
    steps: dict[str, dict[str, float]]


async def exchange(
    port: int, request: bytes | Sequence[bytes]
) -> tuple[int, dict[str, str], bytes]:
    """Send one HTTP/1.1 request (Connection: close), whole or in pieces; return status,
    headers and body.

    On the event loop's socket calls rather than asyncio's streams: a stream's
    transport copies whatever the socket does not take at once into its buffer
    and shifts that buffer down after every send (a file's bytes copied over and
    over), where sock_sendall sends from the caller's bytes as they are; and the
    answer, a chunk or two, is read until the server closes without a stream's
    reader, writer, drain and close each awaited.
    """
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)
        # As asyncio sets it on its own connections: each piece goes out at once.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        for piece in [request] if isinstance(request, bytes) else request:
            await loop.sock_sendall(sock, piece)
        chunks = []
        while chunk := await loop.sock_recv(sock, ANSWER_READ_SIZE):
            chunks.append(chunk)
    whole = b"".join(chunks)
    head, _, body = whole.partition(b"\r\n\r\n")
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


def attachments(serial: int) -> list[bytes]:
    """The files of report `serial`: 0-2 of 10-500 KiB, the same bytes every run."""
    chooser = random.Random(serial)
    return [chooser.randbytes(chooser.randint(10 * KIB, 500 * KIB))
            for _ in range(chooser.randint(0, 2))]  # fmt: skip


@functools.cache
def _file_part_head(index: int) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="file-{index}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()


def file_parts(files: list[bytes]) -> list[bytes]:
    """The multipart parts carrying `files`, as pieces: each file's bytes are not copied."""
    parts: list[bytes] = []
    for index, data in enumerate(files):
        parts += (_file_part_head(index), data, b"\r\n")
    return parts


def report_pieces(token: str, serial: int, parts: list[bytes]) -> list[bytes]:
    """The multipart body of report `serial` as pieces: its text fields, `parts`, the end."""
    fields = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'
        f"load harness report {serial}\r\n"
    ).encode()
    return [fields, *parts, _CLOSING]


def report_request(token: str, cookie: str, serial: int, parts: list[bytes]) -> list[bytes]:
    """The POST of report `serial` as pieces, its file `parts` (see file_parts) among them.

    Small pieces are joined to their neighbours, so that the request goes out in
    as few sends (and segments for the server to read) as one joined copy would.
    """
    body = report_pieces(token, serial, parts)
    head = (
        f"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {sum(map(len, body))}\r\n\r\n"
    ).encode()
    pieces: list[bytes] = []
    small: list[bytes] = []
    for piece in (head, *body):
        if len(piece) < SMALL_PIECE_BYTES:
            small.append(piece)
            continue
        pieces += (b"".join(small), piece) if small else (piece,)
        small = []
    return [*pieces, b"".join(small)] if small else pieces


_CLOSING = f"--{BOUNDARY}--\r\n".encode()
_FORM_REQUEST = b"GET /report HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


async def form_session(port: int) -> tuple[str, str]:
    """A fresh form: its CSRF token (good for one report) and the session cookie."""
    status, headers, page = await exchange(port, _FORM_REQUEST)
    match = CSRF.search(page)
    assert status == 200 and match, status
    return match.group(1).decode(), "; ".join(
        f"{k}={v}" for k, v in cookie_values(headers).items()
    )


async def receipt(port: int, cookie: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Follow the 303 to the one-time receipt page with the cookie it set, as a browser does."""
    cookies = browser_cookies(cookie, headers.get("set-cookie", "").split("\n"))
    status, _headers, page = await exchange(port, (
        f"GET /receipt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Cookie: {cookies}\r\n\r\n").encode())  # fmt: skip
    return status, page


async def report_and_receipt(
    port: int, token: str, cookie: str, serial: int, parts: list[bytes]
) -> tuple[int, bytes]:
    """POST report `serial` and follow its 303 to the receipt: the last status and page."""
    status, headers, page = await exchange(port, report_request(token, cookie, serial, parts))
    if status == 303:
        status, page = await receipt(port, cookie, headers)
    return status, page


def acknowledged(status: int, page: bytes) -> bool:
    """Whether an answer is the receipt page showing a code."""
    return status == 200 and RECEIPT_CODE.search(page) is not None


async def reporter(
    port: int,
    serials: list[int],
    results: Results,
    *,
    think: random.Random | None,
    cycle: float,
    prepared: dict[int, list[bytes]],
) -> None:
    """Send reports of `serials` until none is left; `prepared` holds their file parts."""
    while serials:
        if think is not None:
            # Filling in the form: exponential, so that reporters arrive as independent
            # people do, over what is left of the cycle once the visit is counted.
            mean = max(MIN_THINK_SECONDS, cycle - results.mean_visit())
            await asyncio.sleep(think.expovariate(1 / mean))
            if not serials:
                return
        serial = serials.pop()
        parts = prepared.pop(serial)
        visit = time.monotonic()
        try:
            # A token serves one report (intake forgets it at the receipt), as for a
            # reporter who opens the form again to send another.
            token, cookie = await asyncio.wait_for(form_session(port), TIMEOUT_SECONDS)
        except (OSError, TimeoutError, ValueError, IndexError, AssertionError) as error:
            results.error(type(error).__name__)
            continue
        started = time.monotonic()
        try:
            status, page = await asyncio.wait_for(
                report_and_receipt(port, token, cookie, serial, parts), TIMEOUT_SECONDS
            )
        except (OSError, TimeoutError, ValueError, IndexError) as error:
            results.error(type(error).__name__)
            continue
        results.latencies.append(time.monotonic() - started)
        results.visits.append(time.monotonic() - visit)
        if not acknowledged(status, page):
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


async def nothing() -> list[Path]:
    """No pickups: the floor server keeps nothing to pick up."""
    return []


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


def children_cpu_seconds() -> float:
    """User and system CPU of the children this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def database_cpu_seconds() -> float:
    """CPU time PostgreSQL's processes on this machine have used, those that exited included.

    Backends end with their connections, so the postmaster's reaped children's time
    (cutime, cstime) counts theirs; the harness's pickups add theirs too. Zero when
    no PostgreSQL runs here.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, _, rest = text.partition("(")[2].rpartition(")")
        if name == "postgres":
            fields = rest.split()
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def argon2_ceiling(cores: int, seconds: float = 3.0) -> tuple[float, float]:
    """Receipt derivations a second with one thread deriving per core, and one's CPU time.

    Cores divided by one derivation's time, measured as it is meant: all cores
    deriving at once for a few seconds (argon2-cffi lets go of the GIL). On an
    idle machine the two are the same; on this shared one a single derivation
    gets a core to itself more easily than `cores` of them do, and would
    overstate the ceiling.
    """
    code = generate_receipt_code()
    counts = [0] * cores
    cpus: list[float] = []
    deadline = time.monotonic() + seconds

    def derive(index: int) -> None:
        while time.monotonic() < deadline:
            cpu = time.thread_time()
            derive_receipt_keys(code, pepper=b"p" * 32, cost=PRODUCTION_COST)
            cpus.append(time.thread_time() - cpu)
            counts[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=derive, args=(n,)) for n in range(cores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started), statistics.median(cpus)


def run(
    label: str,
    *,
    nodes: int,
    database_url: str | None,
    clients: int,
    submissions: int,
    think_seconds: float | None,
    workers: int,
    floor: bool = False,
) -> Figures:
    """One configuration's run; `think_seconds` is a reporter's mean cycle (None: no pause).

    With `floor`, the node is bench/floor_server.py, not intake: nothing is stored,
    so nothing is picked up or checked but the answers.
    """
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
        probes = work / "phases"
        probes.mkdir()
        serving = (
            [str(HERE / "floor_server.py")] if floor
            else [str(HERE / "phase_probe.py"), str(probes), "intake", "serve", "--plain-http"]
        )  # fmt: skip
        servers = [
            subprocess.Popen(
                [sys.executable, *serving, "--data-dir", str(data_dir), "--port", str(port),
                 "--workers", str(workers)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]  # fmt: skip
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_for(port, server)
            # Every report's files, drawn and cut into parts before the load begins, so
            # that drawing 250 MiB of random bytes (about 1 ms of CPU a report) does
            # not take the cores from the servers while they are measured. It is
            # counted apart (prepare_cpu_ms) and the parts are dropped as they are sent.
            prepare_before = time.process_time()
            serials = list(range(submissions))
            prepared = {serial: file_parts(attachments(serial)) for serial in serials}
            prepare_cpu = time.process_time() - prepare_before
            trees = [process_tree(server.pid) for server in servers]
            cpu_before = sum(cpu_seconds(tree) for tree in trees)
            results = Results()

            async def load() -> tuple[float, list[Path]]:
                done = asyncio.Event()
                picking = asyncio.create_task(
                    pickups_during(haven, data_dir, work, env, done) if not floor else nothing()
                )
                started = time.monotonic()
                await asyncio.gather(*(
                    reporter(ports[n % nodes], serials, results, cycle=think_seconds or 0.0,
                             think=None if think_seconds is None else random.Random(-1 - n),
                             prepared=prepared)
                    for n in range(clients)
                ))  # fmt: skip
                wall = time.monotonic() - started
                done.set()
                return wall, await picking

            client_before = time.process_time()
            pickups_before = children_cpu_seconds()
            database_before = database_cpu_seconds() if database_url else 0.0
            wall, bundles = asyncio.run(load())
            # The servers are still running, so the children reaped so far are pickups.
            pickup_cpu = children_cpu_seconds() - pickups_before
            client_cpu = time.process_time() - client_before
            trees = [process_tree(server.pid) for server in servers]
            cpu = sum(cpu_seconds(tree) for tree in trees) - cpu_before
            peaks = [peak_rss_per_process(tree) for tree in trees]
            steps = phase_probe.summary(probes)
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(60)
        # After the nodes have closed their connections, whose backends have then exited.
        database_cpu = database_cpu_seconds() - database_before if database_url else 0.0
        ids, picked = bundled(bundles, identity)

    latencies = sorted(results.latencies)

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * share))] if latencies else 0

    lost = 0 if floor else len(results.acknowledged - set(picked))
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
        client_cpu_ms=client_cpu * 1000 / submissions,
        prepare_cpu_ms=prepare_cpu * 1000 / submissions,
        pickup_cpu_ms=pickup_cpu * 1000 / submissions,
        database_cpu_ms=database_cpu * 1000 / submissions,
        steps=steps,
    )


# The configuration run against bench/floor_server.py.
FLOOR_LABEL = "the floor: intake's serving frame, Argon2 and no app work"
# The probe's steps in the order a submission meets them, and the routes of its requests.
STEPS = ("thread queue", "connection", "receive", "derivation slot wait", "Argon2",
         "store report", "publish")  # fmt: skip
ROUTES = ("GET /report", "POST /report", "GET /receipt")


def print_steps(steps: dict[str, dict[str, float]], cpu_ms: float) -> None:
    """Each probed step's wall time (mean, p99) and CPU time; the dominant one by CPU."""
    print("  where the time goes (wall mean / p99, CPU mean, per occurrence):")
    for name in (*ROUTES, *STEPS):
        step = steps.get(name)
        if step:
            mean, p99, cpu = (step[key] * 1000 for key in ("mean", "p99", "cpu"))
            print(f"    {name:22} {step['count']:5.0f} x  {mean:7.1f} / {p99:7.1f} ms wall, "
                  f"{cpu:6.1f} ms CPU")  # fmt: skip
    in_routes = sum(steps[r]["cpu"] * steps[r]["count"] for r in ROUTES if r in steps)
    if not in_routes or "Argon2" not in steps:
        return
    argon2_ms = steps["Argon2"]["cpu"] * 1000
    others = {r: steps[r]["cpu"] * steps[r]["count"] for r in ROUTES if r in steps}
    others["POST /report"] -= steps["Argon2"]["cpu"] * steps["Argon2"]["count"]
    heaviest = max(others, key=lambda r: others[r])
    print(f"  the app's CPU: Argon2 {argon2_ms * steps['Argon2']['count'] / 1000 / in_routes:.0%}, "
          f"{heaviest} without Argon2 {others[heaviest] / in_routes:.0%}")  # fmt: skip
    # Independent of the machine's other load: the share of the Argon2-only ceiling
    # these processes would reach with the cores to themselves.
    print(f"  CPU-bound ratio: Argon2 {argon2_ms:.0f} ms of the processes' whole "
          f"{cpu_ms:.0f} ms of CPU a submission = {argon2_ms / cpu_ms:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--offered", type=float, default=0.85,
                      help="the reporters' load, as a fraction of the ceiling")  # fmt: skip
    pace.add_argument("--closed-loop", action="store_true",
                      help="no think time: every reporter sends again at once")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers a node (intake's default: 2)")  # fmt: skip
    parser.add_argument("--floor", action="store_true",
                        help="first, the same load against bench/floor_server.py: "
                             "intake's serving frame around Argon2 with no app work")  # fmt: skip
    arguments = parser.parse_args()
    cores = os.cpu_count() or 1
    ceiling, derivation_cpu = argon2_ceiling(cores)
    think = None if arguments.closed_loop else arguments.clients / (arguments.offered * ceiling)
    configurations = [("one node on SQLite", 1, None)]
    if arguments.database_url:
        configurations.append(("two nodes on one PostgreSQL", 2, arguments.database_url))
    if arguments.floor:
        configurations.insert(0, (FLOOR_LABEL, 1, None))
    floor_throughput = None
    failed = False
    print(f"{arguments.clients} clients, {arguments.submissions} submissions (0-2 files of "
          f"10-500 KiB), production Argon2 ({derivation_cpu * 1000:.0f} ms of CPU a "
          f"derivation): Argon2-only ceiling {ceiling:.2f}/s ({cores} cores deriving)")  # fmt: skip
    if think is None:
        print("closed loop: every reporter sends again as soon as it has its receipt")
    else:
        offered = arguments.offered
        print(f"each reporter thinks (exponential) and visits in a cycle of {think:.2f} s "
              f"on average: they offer {offered:.2f}x the ceiling, "
              f"{offered * ceiling:.2f}/s")  # fmt: skip
    for label, nodes, url in configurations:
        floor = label == FLOOR_LABEL
        result = run(label, nodes=nodes, database_url=url, clients=arguments.clients,
                     submissions=arguments.submissions, think_seconds=think,
                     workers=arguments.workers, floor=floor)  # fmt: skip
        after, _cpu = argon2_ceiling(cores)
        throughput, cpu_ms = result.throughput, result.cpu_ms
        print(f"\n{label}")
        print(f"  throughput {throughput:.2f}/s = {throughput / ceiling:.2f}x the Argon2-only "
              f"ceiling; {throughput / after:.2f}x the ceiling measured right after "
              f"({after:.2f}/s)")  # fmt: skip
        if floor:
            floor_throughput = throughput
        elif floor_throughput:
            print(f"  = {throughput / floor_throughput:.2f}x the floor's throughput")
        print(f"  latency p50 {result.p50:.2f} s, p95 {result.p95:.2f} s, p99 {result.p99:.2f} s")
        print(f"  errors: {sum(result.errors.values())} {result.errors or ''}")
        if floor:
            print(f"  acknowledged {result.acknowledged} (nothing is kept: no pickups)")
            print(f"  peak RSS per process (master first): "
                  f"{', '.join(f'{peak:.0f}' for peak in result.peaks[0])} MiB")  # fmt: skip
            print(f"  the cores' time a submission: the floor server {cpu_ms:.1f} ms, this "
                  f"client {result.client_cpu_ms:.1f} ms: {cpu_ms + result.client_cpu_ms:.1f} "
                  f"ms of CPU, {cores * 1000 / throughput:.1f} ms of the {cores} cores' time "
                  f"elapsed")  # fmt: skip
            failed = failed or bool(result.errors) or result.acknowledged != arguments.submissions
            continue
        print(f"  acknowledged {result.acknowledged}, picked up {result.picked} "
              f"in {result.bundles} bundles; lost {result.lost}, "
              f"duplicates {result.duplicates}")  # fmt: skip
        for node, peaks in enumerate(result.peaks, start=1):
            shown = ", ".join(f"{peak:.0f}" for peak in peaks)
            print(f"  node {node} peak RSS per process (master first): {shown} MiB")
        print_steps(result.steps, cpu_ms)
        whole = cpu_ms + result.client_cpu_ms + result.pickup_cpu_ms + result.database_cpu_ms
        database = (f", PostgreSQL {result.database_cpu_ms:.1f} ms" if url else "")
        print(f"  the cores' time a submission: intake {cpu_ms:.1f} ms, this client "
              f"{result.client_cpu_ms:.1f} ms, pickups {result.pickup_cpu_ms:.1f} ms{database}: "
              f"{whole:.1f} ms of CPU, {cores * 1000 / throughput:.1f} ms of the {cores} "
              f"cores' time elapsed; and before the load, {result.prepare_cpu_ms:.1f} ms "
              f"drawing a submission's files")  # fmt: skip
        if result.errors or result.lost or result.duplicates:
            failed = True
    if failed:
        raise SystemExit("load harness: FAILED")
    print("\nload harness: OK")


if __name__ == "__main__":
    main()
