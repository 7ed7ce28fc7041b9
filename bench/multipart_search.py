"""Benchmark: finding a file's closing delimiter, Werkzeug's pattern against intake's search.

Werkzeug's MultipartDecoder compiles, for every body, two patterns holding its
boundary, and searches a file's last buffer with one of them; intake's
decoder (intake/multipart_decoder.py) finds the same delimiter with bytes.find.
This prints the CPU of each, per body (the compiling) and per search over a
file's bytes (random, so with a CR or LF every 128 bytes or so), as a browser
sends them under a random boundary.

    python bench/multipart_search.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import os
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.sansio.multipart import MultipartDecoder

from intake.multipart_decoder import BoundaryDecoder

KIB = 1 << 10


def _boundary(chooser: random.Random) -> bytes:
    letters = string.ascii_letters + string.digits
    return ("----WebKitFormBoundary" + "".join(chooser.choices(letters, k=16))).encode()


def _cpu_ms(work: list[object], run: object) -> float:
    assert callable(run)
    started = time.thread_time()
    for item in work:
        run(item)
    return (time.thread_time() - started) * 1000 / len(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    chooser = random.Random(1)
    boundaries: list[object] = [_boundary(chooser) for _ in range(rounds)]
    print(f"CPU ms, mean of {rounds} (load average {os.getloadavg()[0]:.2f}):")
    for name, decoder in (("Werkzeug", MultipartDecoder), ("intake", BoundaryDecoder)):
        print(f"  {name:9} decoder for a new boundary      {_cpu_ms(boundaries, decoder):7.3f}")
    for size in (10 * KIB, 100 * KIB, 500 * KIB, 1024 * KIB):
        boundary = _boundary(chooser)
        data = bytearray(os.urandom(size) + b"\r\n--" + boundary + b"--\r\n")
        searches: list[object] = [data] * rounds
        for name, decoder in (("Werkzeug", MultipartDecoder), ("intake", BoundaryDecoder)):
            search = decoder(boundary).boundary_re.search
            found = search(data)
            assert found is not None and found.start() == size
            print(f"  {name:9} closing delimiter after {size // KIB:5} KiB "
                  f"{_cpu_ms(searches, search):7.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
