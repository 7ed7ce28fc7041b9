"""bench/load_harness.py's client sends, piece by piece, the very bytes it sent joined.

The pieces spare the client copies of each file; what goes over the wire must
stay what the harness always sent (the same files for the same report number,
the same multipart framing), or figures before and after would not compare.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path[:0] = [str(BENCH)]

import load_harness  # noqa: E402
from intake_write import BOUNDARY  # noqa: E402

KIB = 1 << 10


def joined_request(token: str, cookie: str, serial: int) -> bytes:
    """The POST as the harness built it in one piece (before it sent pieces)."""
    chooser = random.Random(serial)
    files = [chooser.randbytes(chooser.randint(10 * KIB, 500 * KIB))
             for _ in range(chooser.randint(0, 2))]  # fmt: skip
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'
        f"load harness report {serial}\r\n"
    ).encode()
    for index, data in enumerate(files):
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="file-{index}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode() + data + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return (
        f"POST /report HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Cookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def pieces(serial: int) -> list[bytes]:
    parts = load_harness.file_parts(load_harness.attachments(serial))
    return load_harness.report_request("token", "haven_intake=x", serial, parts)


def test_the_pieces_are_the_request_it_always_sent() -> None:
    for serial in range(12):
        assert b"".join(pieces(serial)) == joined_request("token", "haven_intake=x", serial)


def test_small_pieces_are_joined_and_files_sent_as_they_are() -> None:
    for serial in range(12):
        sent = pieces(serial)
        files = load_harness.attachments(serial)
        large = [piece for piece in sent if len(piece) >= load_harness.SMALL_PIECE_BYTES]
        assert large == [data for data in files if len(data) >= load_harness.SMALL_PIECE_BYTES]
        # Never two small pieces in a row: they would have been one send.
        small = [len(piece) < load_harness.SMALL_PIECE_BYTES for piece in sent]
        assert not any(a and b for a, b in itertools.pairwise(small))


def test_an_exchange_sends_every_byte_and_reads_the_answer_to_the_close() -> None:
    received: list[bytes] = []
    answer = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n" + b"p" * 300_000

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        received.append(head + await reader.readexactly(length))
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def run() -> tuple[int, dict[str, str], bytes]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await load_harness.exchange(port, pieces(3))

    # On a thread of its own: the browser tests' Playwright keeps an event loop
    # running on the main thread for the whole session.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        status, headers, body = pool.submit(asyncio.run, run()).result()
    assert received == [joined_request("token", "haven_intake=x", 3)]
    assert (status, headers["set-cookie"], body) == (200, "a=1\nb=2", b"p" * 300_000)
