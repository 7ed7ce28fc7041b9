"""Slow connections against `haven intake serve`: when do they delay a normal submission?

Starts the real server with its production settings (gunicorn, 2 workers x 160
threads, the pacing and upload-cap defaults of intake/config.py) and keeps N
hostile slow connections open, half of each kind:

- slow body: a complete header block, then a trickle of body bytes (below the
  minimum rate by default: cut off after one window, then reconnected at once);
- slow headers: a header block sent a few bytes at a time, never finished.

Every cut-off connection is reopened at once, so N stay open throughout. At
each step (0, 50, 100, 200, 300, 400 by default) it times normal submissions
(GET the form, POST a report), and prints how many slow connections it takes
to delay one past 5 s. Meanwhile an honest reporter uploads 50 MiB at
100 KiB/s, which must succeed. Last, it prints bench/case_view.py's figure for
a case of 20 hostile zip attachments (imported and called, not repeated).

    python bench/slow_connections.py [--steps 0,50,100,200,300,400]
        [--upload-mib 50] [--upload-kib-per-second 100] [--trickle-bytes-per-second 8]
        [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import case_view  # bench/case_view.py, beside this file
from intake_write import browser_cookies  # bench/intake_write.py, beside this file

BOUNDARY = "havenslowbenchboundary"
DELAY_LIMIT = 5.0
SUBMISSIONS_PER_STEP = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def form_session(port: int, timeout: float) -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", "/report")
    response = connection.getresponse()
    page = response.read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if not match:
        raise RuntimeError(f"no form (HTTP {response.status})")
    return match.group(1), response.getheader("Set-Cookie", "").split(";")[0]


def body_head(token: str, narrative: str, filename: str | None) -> bytes:
    text = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"narrative\""
            f"\r\n\r\n{narrative}\r\n")
    if filename is not None:
        text += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"attachments\"; "
                 f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
    return text.encode()


TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def request_head(cookie: str, length: int) -> bytes:
    return (f"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {length}\r\n\r\n").encode()


def receipt_status(port: int, cookie: str, set_cookies: list[str]) -> int:
    """GET the one-time receipt page the way the browser would after the 303."""
    if not any(c.startswith("haven_receipt=") for c in set_cookies):
        return 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/receipt",
                       headers={"Cookie": browser_cookies(cookie, set_cookies)})  # fmt: skip
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def submit(port: int) -> tuple[float, int]:
    """A normal submission, form included: (seconds, final status)."""
    started = time.monotonic()
    try:
        token, cookie = form_session(port, timeout=120)
        body = body_head(token, "a normal report", None) + f"--{BOUNDARY}--\r\n".encode()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", "/report", body=body, headers={
            "Cookie": cookie, "Content-Length": str(len(body)),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        response = connection.getresponse()
        response.read()
        status = response.status
        connection.close()
        if status == 303:
            # Published; the reporter's browser follows the redirect to the receipt.
            status = receipt_status(port, cookie, response.msg.get_all("Set-Cookie") or [])
    except (OSError, http.client.HTTPException, RuntimeError):
        status = 0
    return time.monotonic() - started, status


@dataclass
class Swarm:
    """Hostile slow connections, kept at `target` open on an asyncio loop in its own thread."""

    port: int
    token: str
    cookie: str
    trickle_bytes_per_second: float
    target: int = 0
    opened: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    open_now: int = 0
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    tasks: set[asyncio.Future[None]] = field(default_factory=set)

    def start(self) -> None:
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._keeper = asyncio.run_coroutine_threadsafe(self._keep(), self.loop)

    def stop(self) -> None:
        """Close every slow connection, then the loop."""
        self._keeper.cancel()
        asyncio.run_coroutine_threadsafe(self._close_all(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _close_all(self) -> None:
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _keep(self) -> None:
        number = 0
        while True:
            while self.open_now < self.target:
                self.open_now += 1
                number += 1
                slow = self._slow_body if number % 2 else self._slow_headers
                task = asyncio.ensure_future(self._run(slow))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            await asyncio.sleep(0.05)

    async def _run(self, slow: object) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            self.open_now -= 1
            return
        self.opened += 1
        pause = 1 / self.trickle_bytes_per_second
        sender = asyncio.ensure_future(slow(writer, pause))  # type: ignore[operator]
        try:
            answer = await reader.read(65536)  # the server's answer (408, 503) or its close
            status = answer[9:12].decode("latin-1") or "closed"
            self.answers[status] = self.answers.get(status, 0) + 1
        except OSError:
            self.answers["reset"] = self.answers.get("reset", 0) + 1
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            writer.close()
            self.open_now -= 1

    async def _slow_body(self, writer: asyncio.StreamWriter, pause: float) -> None:
        head = body_head(self.token, "slow", "slow.bin")
        # A body declared within the upload limit, which never comes.
        writer.write(request_head(self.cookie, len(head) + (100 << 20)) + head)
        while True:
            await asyncio.sleep(pause)
            writer.write(b"s")
            await writer.drain()

    async def _slow_headers(self, writer: asyncio.StreamWriter, pause: float) -> None:
        for byte in request_head(self.cookie, 1 << 20)[:-2] + b"X-Slow: " + b"s" * (1 << 20):
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(pause)


def honest_upload(port: int, size: int, rate: float, outcome: list[str]) -> None:
    """Upload `size` bytes at `rate` bytes/s, paced against the clock; record the result."""
    started = time.monotonic()
    try:
        token, cookie = form_session(port, timeout=120)
        head = body_head(token, "a long upload over Tor", "video.mp4")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.send(request_head(cookie, len(head) + size + len(TAIL)) + head)
        piece = os.urandom(rate // 10 if rate >= 10 else 1)
        sent = 0
        while sent < size:
            chunk = piece[: size - sent]
            connection.send(chunk)
            sent += len(chunk)
            ahead = started + sent / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        connection.send(TAIL)
        connection.sock.settimeout(600)  # type: ignore[union-attr]
        response = http.client.HTTPResponse(connection.sock)  # type: ignore[arg-type]
        response.begin()
        response.read()
        elapsed = time.monotonic() - started
        outcome.append(f"HTTP {response.status} after {elapsed:.0f} s "
                       f"({size / elapsed / 1024:.0f} KiB/s)")
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        outcome.append(f"failed after {time.monotonic() - started:.0f} s: {error!r}")


def server_rss_mib(root_pid: int) -> float:
    """Resident memory of the server's processes (master and workers) now, in MiB."""
    pids = [root_pid]
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        total += int(match.group(1)) if match else 0
    return total / 1024


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    port: int


def serve(data_dir: Path, log: Path) -> Iterator[Running]:
    port = free_port()
    haven = [sys.executable, "-c", "from haven.cli import main; main()"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*haven, "intake", "serve", "--data-dir", str(data_dir), "--port", str(port),
             "--plain-http"], stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                form_session(port, timeout=10)
                break
            except (OSError, http.client.HTTPException, RuntimeError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"intake did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield Running(process, port)
    finally:
        process.terminate()
        process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="0,50,100,200,300,400")
    parser.add_argument("--upload-mib", type=float, default=50)
    parser.add_argument("--upload-kib-per-second", type=float, default=100)
    parser.add_argument("--trickle-bytes-per-second", type=float, default=8)
    parser.add_argument("--settle-seconds", type=float, default=10,
                        help="time after the slow connections are open before timing")
    parser.add_argument("--attachments", type=int, default=20)
    parser.add_argument("--entries", type=int, default=680_000)
    parser.add_argument("--small", action="store_true",
                        help="a quick run: steps 0,50,200, 4 MiB upload, smaller zip bombs")
    args = parser.parse_args()
    if args.small:
        args.steps, args.upload_mib, args.settle_seconds = "0,50,200", 4, 5
        args.entries = 100_000
    steps = [int(step) for step in args.steps.split(",")]
    upload_size = int(args.upload_mib * (1 << 20))
    upload_rate = int(args.upload_kib_per_second * 1024)

    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        data_dir = root / "data"
        haven = [sys.executable, "-c", "from haven.cli import main; main()"]
        subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)], check=True,
                       stdout=subprocess.DEVNULL)
        identity = subprocess.run(["age-keygen"], capture_output=True, text=True,
                                  check=True).stderr.split()[-1]
        (data_dir / "recipients.txt").write_text(identity + "\n")
        for running in serve(data_dir, root / "server.log"):
            token, cookie = form_session(running.port, timeout=30)
            swarm = Swarm(running.port, token, cookie, args.trickle_bytes_per_second)
            swarm.start()
            upload_outcome: list[str] = []
            uploader = threading.Thread(
                target=honest_upload, args=(running.port, upload_size, upload_rate,
                                            upload_outcome))
            uploader.start()
            print(f"intake serve, production settings; slow clients trickle "
                  f"{args.trickle_bytes_per_second:g} B/s; honest upload "
                  f"{args.upload_mib:g} MiB at {args.upload_kib_per_second:g} KiB/s running")
            first_delayed = None
            for step in steps:
                swarm.target = step
                deadline = time.monotonic() + 120
                while swarm.open_now < step and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(args.settle_seconds)
                timings = [submit(running.port) for _ in range(SUBMISSIONS_PER_STEP)]
                worst = max(seconds for seconds, _status in timings)
                statuses = sorted({status for _seconds, status in timings})
                delayed = worst > DELAY_LIMIT or statuses != [200]
                if delayed and first_delayed is None:
                    first_delayed = step
                print(f"  {step:4d} slow connections open: submission worst {worst:6.2f} s, "
                      f"HTTP {statuses}; slow ones answered so far {swarm.answers}, "
                      f"server RSS {server_rss_mib(running.process.pid):.0f} MiB"
                      + ("  <-- delayed" if delayed else ""))
            swarm.target = max(steps)
            uploader.join()
            swarm.stop()
        verdict = ("none up to " + str(max(steps)) if first_delayed is None
                   else str(first_delayed))
        print(f"slow connections that delay a normal submission past {DELAY_LIMIT:g} s: "
              f"{verdict}")
        print(f"slow honest upload ({args.upload_mib:g} MiB at "
              f"{args.upload_kib_per_second:g} KiB/s, {max(steps)} slow connections open "
              f"at the end): {upload_outcome[0]}")
    case_view.report(args.attachments, args.entries, "hybrid")


if __name__ == "__main__":
    main()
