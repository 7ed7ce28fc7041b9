"""Benchmark: the load client's own CPU a visit, this tree's beside an older tree's.

bench/load_harness.py's client shares the cores with the server it measures,
so its CPU is taken from the throughput it reports. This serves one `haven
intake serve` (this tree's, one worker) and sends it the same visits (the
form, a report with 0-2 files of 10-500 KiB, its receipt) one at a time with
each tree's client, the two taking turns by batches (ABBA), and prints each
client's CPU a visit (time.process_time, user and kernel) and the kernel's
share; for this tree also the CPU spent drawing the files before the visits,
which the harness does before its load starts.

    python bench/client_cpu.py --before /tmp/main-tree [--visits 180] [--batches 6]

A tree whose harness has no report_and_receipt is driven as the harness drove
it before: files drawn during the visit, the body joined, asyncio's streams
(only the receipt's cookies are kept as this tree's harness keeps them).
The machine is shared: say how loaded it was when quoting the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import load_harness  # noqa: E402
from intake_write import BOUNDARY, browser_cookies, free_port, wait_for  # noqa: E402

import keys  # noqa: E402


def harness_of(tree: Path) -> ModuleType:
    """The load harness module of another source tree, loaded beside this one's."""
    path = tree / "bench" / "load_harness.py"
    spec = importlib.util.spec_from_file_location("before_harness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def legacy_visit(harness: ModuleType, port: int, serial: int) -> None:
    """A visit as the harness's reporter sent it before its client sent pieces."""
    token, cookie = await harness.form_session(port)
    chooser = random.Random(serial)
    files = [chooser.randbytes(chooser.randint(10 * 1024, 500 * 1024))
             for _ in range(chooser.randint(0, 2))]  # fmt: skip
    body = harness.report_body(token, serial, files)
    request = (
        f"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, headers, page = await harness.exchange(port, request)
    if status == 303:
        # The cookies as a browser keeps them (this tree's rule: the receipt's seal is
        # bound to the session the report's answer set), over the older exchange.
        cookies = browser_cookies(cookie, headers.get("set-cookie", "").split("\n"))
        status, _headers, page = await harness.exchange(port, (
            f"GET /receipt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Cookie: {cookies}\r\n\r\n").encode())  # fmt: skip
    assert status == 200 and harness.RECEIPT_CODE.search(page.decode()), status


async def visits(harness: ModuleType, port: int, serials: range) -> tuple[float, float, float]:
    """CPU of drawing the files beforehand, of the visits, and the visits' kernel part."""
    started = time.process_time()
    prepared = {}
    if hasattr(harness, "report_and_receipt"):
        prepared = {s: harness.file_parts(harness.attachments(s)) for s in serials}
    drawn = time.process_time()
    kernel = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    for serial in serials:
        if prepared:
            token, cookie = await harness.form_session(port)
            status, page = await harness.report_and_receipt(
                port, token, cookie, serial, prepared.pop(serial)
            )
            assert harness.acknowledged(status, page), status
        else:
            await legacy_visit(harness, port, serial)
    kernel = resource.getrusage(resource.RUSAGE_SELF).ru_stime - kernel
    return drawn - started, time.process_time() - drawn, kernel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="an older source tree")
    parser.add_argument("--visits", type=int, default=180)
    parser.add_argument("--batches", type=int, default=6)
    arguments = parser.parse_args()
    clients = {"before": harness_of(arguments.before.resolve()), "after": load_harness}
    cpu = {label: [0.0, 0.0, 0.0] for label in clients}
    batch = max(1, arguments.visits // arguments.batches)
    haven = [sys.executable, "-c", "from haven.cli import main; main()"]
    with tempfile.TemporaryDirectory() as work:
        data_dir = Path(work) / "data"
        subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)],
                       check=True, capture_output=True)  # fmt: skip
        (data_dir / "recipients.txt").write_text(f"{keys.X25519Identity.generate().recipient()}\n")
        (data_dir / "recipients.txt").chmod(0o600)
        port = free_port()
        server = subprocess.Popen(
            [*haven, "intake", "serve", "--data-dir", str(data_dir), "--port", str(port),
             "--plain-http", "--workers", "1", "--threads", "8"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(port, server)

            async def drive() -> None:
                for turn in range(arguments.batches):
                    serials = range(turn * batch, (turn + 1) * batch)
                    order = list(clients) if turn % 2 == 0 else list(clients)[::-1]
                    for label in order:
                        figures = await visits(clients[label], port, serials)
                        cpu[label] = [a + b for a, b in zip(cpu[label], figures, strict=True)]

            asyncio.run(drive())
        finally:
            server.terminate()
            server.wait(60)
    done = batch * arguments.batches
    print(f"{done} visits with each client, one at a time (ABBA by {batch}); "
          f"ms of the client's CPU a visit (before: {arguments.before}):")  # fmt: skip
    for label, (drawn, visiting, kernel) in cpu.items():
        print(f"  {label:7} during the visits {visiting * 1000 / done:5.2f} (kernel "
              f"{kernel * 1000 / done:4.2f}), drawing files beforehand {drawn * 1000 / done:4.2f}")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
