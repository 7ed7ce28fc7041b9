"""Benchmark: a 1 GiB attachment through `haven intake serve`, against a bare discarding endpoint.

Both servers run under gunicorn with the same worker settings; the same
multipart body is streamed to each over loopback HTTP. Prints both rates, their
ratio, and the peak resident memory of intake's processes (target: < 128 MiB).

    python bench/intake_upload.py [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from intake_write import free_port, wait_for  # bench/intake_write.py, beside this file

BOUNDARY = "havenbenchboundary"
PIECE = 1 << 20

DISCARD_APP = '''
def app(environ, start_response):
    stream = environ["wsgi.input"]
    while stream.read(1 << 16):
        pass
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
'''


def body_parts(token: str, size: int) -> tuple[bytes, Iterator[bytes], bytes, int]:
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"attachments\"; "
        f"filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    piece = os.urandom(PIECE)

    def pieces() -> Iterator[bytes]:
        for _ in range(size // PIECE):
            yield piece

    return head, pieces(), tail, len(head) + size + len(tail)


def upload(port: int, token: str, cookie: str, size: int) -> float:
    head, pieces, tail, length = body_parts(token, size)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest("POST", "/report")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(length))
    connection.putheader("Cookie", cookie)
    connection.endheaders()
    started = time.monotonic()
    connection.send(head)
    for piece in pieces:
        connection.send(piece)
    connection.send(tail)
    response = connection.getresponse()
    response.read()
    elapsed = time.monotonic() - started
    if response.status not in (200, 303):  # 303: published, to the receipt
        raise SystemExit(f"upload failed with HTTP {response.status}")
    connection.close()
    return size / elapsed / (1 << 20)


def form_session(port: int) -> tuple[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/report")
    response = connection.getresponse()
    page = response.read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match
    return match.group(1), response.getheader("Set-Cookie", "").split(";")[0]


def peak_rss_mib(root_pid: int) -> float:
    """Peak resident memory (VmHWM) of the largest process in the server's process tree."""
    pids = [root_pid]
    children = Path(f"/proc/{root_pid}/task/{root_pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    peaks = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    size = parser.parse_args().size_mib * (1 << 20)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        data_dir = root / "data"
        haven = [sys.executable, "-c", "from haven.cli import main; main()"]
        subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)], check=True)
        identity = subprocess.run(
            ["age-keygen"], capture_output=True, text=True, check=True
        ).stderr.split()[-1]
        (data_dir / "recipients.txt").write_text(identity + "\n")

        intake_port, bare_port = free_port(), free_port()
        # Room for the body: the default limit (500 MiB) is below the 1 GiB benchmark.
        env = {**os.environ, "HAVEN_MAX_UPLOAD_BYTES": str(size + PIECE)}
        intake = subprocess.Popen([*haven, "intake", "serve", "--data-dir", str(data_dir),
                                   "--port", str(intake_port), "--plain-http", "--workers", "1"],
                                  env=env)
        (root / "discard.py").write_text(DISCARD_APP)
        bare = subprocess.Popen([sys.executable, "-m", "gunicorn", "--chdir", str(root),
                                 "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                                 "--bind", f"127.0.0.1:{bare_port}", "discard:app"])
        try:
            wait_for(intake_port, intake)
            wait_for(bare_port, bare)
            token, cookie = form_session(intake_port)
            bare_rate = upload(bare_port, token, cookie, size)
            intake_rate = upload(intake_port, token, cookie, size)
            peak = peak_rss_mib(intake.pid)
        finally:
            for server in (intake, bare):
                server.terminate()
                server.wait(60)
    mib = size >> 20
    print(f"bare endpoint: {bare_rate:8.1f} MiB/s  ({mib} MiB)")
    print(f"intake:        {intake_rate:8.1f} MiB/s  ({mib} MiB, encrypted and stored)")
    print(f"ratio:         {intake_rate / bare_rate:8.2f}")
    print(f"intake peak RSS: {peak:.1f} MiB (target < 128 MiB)")


if __name__ == "__main__":
    main()
