"""Benchmark: what a served submission costs in CPU outside the app, before and after a change.

bench/request_cpu.py times the app alone; this serves it. `haven intake serve`
(one worker, a few threads, production Argon2) runs under bench/phase_probe.py
for this tree and, with --before, for an older one (unpacked by `git
archive`), and each is sent the same visits (the form, a report, its receipt)
one at a time, by a client like bench/load_harness.py's, the two servers
taking turns by batches (ABBA) so that the machine's other load weighs on
both alike. Per tree it prints, for a visit's three connections:

- the CPU of each connection outside the app: the probe's "connection" step
  (a thread's whole handling of it: reading and parsing the request, the app,
  writing the answer, closing) less the app's own route;
- the CPU of each route, Argon2 taken out;
- the processes' whole CPU a visit outside Argon2 (their main loops, the
  master, the lease keeper and the probe's own records included).

    python bench/connection_cpu.py [--visits 150] [--batches 10] [--files]
                                   [--before /tmp/main-tree]

Without --files the reports are text only, so that the figures are the
connection's and not the upload's. The machine is shared: say how loaded it
was when quoting the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from intake_write import cpu_seconds, free_port, process_tree, wait_for  # noqa: E402
from load_harness import (  # noqa: E402
    acknowledged,
    attachments,
    file_parts,
    form_session,
    report_and_receipt,
)

import keys  # noqa: E402

ROUTES = ("GET /report", "POST /report", "GET /receipt")
WARM_UP_VISITS = 10
THREADS = 8


@dataclass
class Server:
    """One tree's `haven intake serve` under the phase probe, and what it was measured at."""

    tree: Path
    work: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    # Where each probe file stood when measuring began: the warm-up is left out.
    offsets: dict[Path, int] = field(default_factory=dict)
    cpu_at_start: float = 0.0
    visits: int = 0

    def start(self) -> None:
        haven = [sys.executable, "-c", "from haven.cli import main; main()"]
        env = {**os.environ, "PYTHONPATH": str(self.tree)}
        data_dir = self.work / "data"
        subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)],
                       check=True, capture_output=True, env=env, cwd=self.tree)  # fmt: skip
        (data_dir / "recipients.txt").write_text(f"{keys.X25519Identity.generate().recipient()}\n")
        (data_dir / "recipients.txt").chmod(0o600)
        self.port = free_port()
        (self.work / "phases").mkdir()
        self.process = subprocess.Popen(
            [sys.executable, str(self.tree / "bench" / "phase_probe.py"), str(self.work / "phases"),
             "intake", "serve", "--data-dir", str(data_dir), "--port", str(self.port),
             "--plain-http", "--workers", "1", "--threads", str(THREADS)],
            env=env, cwd=self.tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.port, self.process)

    def begin_measuring(self) -> None:
        assert self.process is not None
        self.offsets = {path: path.stat().st_size for path in (self.work / "phases").iterdir()}
        self.cpu_at_start = cpu_seconds(process_tree(self.process.pid))

    def figures(self) -> dict[str, float]:
        """ms of CPU a visit: outside the app a connection, each route less Argon2, in all."""
        assert self.process is not None
        whole = cpu_seconds(process_tree(self.process.pid)) - self.cpu_at_start
        cpu: dict[str, float] = {}
        for path in (self.work / "phases").iterdir():
            with path.open() as lines:
                lines.seek(self.offsets.get(path, 0))
                for line in lines:
                    step = json.loads(line)
                    cpu[step["phase"]] = cpu.get(step["phase"], 0.0) + step["cpu"]
        routes = sum(cpu[route] for route in ROUTES)
        per_visit = {route: cpu[route] * 1000 / self.visits for route in ROUTES}
        per_visit["POST /report"] -= cpu["Argon2"] * 1000 / self.visits
        return {
            "connection outside the app": (cpu["connection"] - routes) * 1000 / (3 * self.visits),
            **per_visit,
            "processes, Argon2 aside": (whole - cpu["Argon2"]) * 1000 / self.visits,
        }

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(60)


async def visit(port: int, serial: int, *, files: bool) -> None:
    """The form, a report and its receipt, as bench/load_harness.py's reporters send them."""
    parts = file_parts(attachments(serial)) if files else []
    token, cookie = await form_session(port)
    status, page = await report_and_receipt(port, token, cookie, serial, parts)
    assert acknowledged(status, page), status


async def drive(servers: dict[str, Server], *, visits: int, batches: int, files: bool) -> None:
    for server in servers.values():
        for serial in range(WARM_UP_VISITS):
            await visit(server.port, serial, files=files)
        server.begin_measuring()
    batch = max(1, visits // batches)
    for turn in range(batches):
        order = list(servers) if turn % 2 == 0 else list(servers)[::-1]
        for label in order:
            for serial in range(WARM_UP_VISITS + turn * batch, WARM_UP_VISITS + (turn + 1) * batch):
                await visit(servers[label].port, serial, files=files)
            servers[label].visits += batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=150)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--files", action="store_true", help="0-2 files of 10-500 KiB a report")
    parser.add_argument("--before", type=Path, help="an older source tree to compare with")
    arguments = parser.parse_args()
    trees = {"after": HERE.parent}
    if arguments.before is not None:
        trees = {"before": arguments.before.resolve(), **trees}
    with tempfile.TemporaryDirectory() as work_name:
        servers = {label: Server(tree, Path(work_name) / label) for label, tree in trees.items()}
        try:
            for server in servers.values():
                server.work.mkdir()
                server.start()
            asyncio.run(drive(servers, visits=arguments.visits, batches=arguments.batches,
                              files=arguments.files))  # fmt: skip
            figures = {label: server.figures() for label, server in servers.items()}
        finally:
            for server in servers.values():
                server.stop()
    visits = servers["after"].visits
    print(f"{visits} visits to each server one at a time, reports "
          f"{'with 0-2 files' if arguments.files else 'text only'}; ms of CPU"
          + (f" (before: {arguments.before})" if arguments.before else "") + ":")  # fmt: skip
    print(f"  {'':28}" + "".join(f"{label:>8}" for label in figures)
          + ("  after/before" if len(figures) == 2 else ""))  # fmt: skip
    for name in figures["after"]:
        values = [figures[label][name] for label in figures]
        ratio = f"  {values[1] / values[0]:.2f}x" if len(values) == 2 else ""
        print(f"  {name:28}" + "".join(f"{value:8.2f}" for value in values) + ratio)
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
