"""bench/load_harness.py at a small size: no errors, nothing lost, nothing picked up twice.

By hand it runs 50 reporters and 1,000 submissions; here 5 and 30 (reporters who
think between reports), on one node on SQLite and on two nodes sharing
PostgreSQL, with pickups running two at a time during the load, and 4 and 12
in a closed loop, against the floor server (bench/floor_server.py) and then
intake. The harness exits non-zero if any check fails.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import WAIT_SECONDS

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "load_harness.py"
SUBMISSIONS = 30


@pytest.mark.slow
@pytest.mark.postgres
def test_load_harness_on_sqlite_and_two_nodes_on_postgresql(database_url: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(HARNESS), "--clients", "5", "--submissions", str(SUBMISSIONS),
         "--database-url", database_url],
        capture_output=True, text=True, timeout=WAIT_SECONDS * 5, check=False,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "one node on SQLite" in output and "two nodes on one PostgreSQL" in output
    assert output.count("  errors: 0 ") == 2, output
    found = re.findall(r"acknowledged (\d+), picked up (\d+) in \d+ bundles; "
                       r"lost (\d+), duplicates (\d+)", output)  # fmt: skip
    assert found == [(str(SUBMISSIONS), str(SUBMISSIONS), "0", "0")] * 2, output
    # One line of peak RSS for the SQLite node, one for each PostgreSQL node.
    assert output.count("peak RSS per process") == 3


@pytest.mark.slow
def test_load_harness_closed_loop_the_floor_and_where_the_time_goes() -> None:
    """Closed loop (no think time) against the floor server, then on SQLite; the probe
    times every step in intake's workers."""
    completed = subprocess.run(
        [sys.executable, str(HARNESS), "--clients", "4", "--submissions", "12", "--closed-loop",
         "--floor"],
        capture_output=True, text=True, timeout=WAIT_SECONDS * 5, check=False,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "closed loop" in output and "two nodes" not in output
    assert re.search(r"acknowledged 12, picked up 12 in \d+ bundles; lost 0, duplicates 0", output)
    # Every submission passed each step of a POST once, and each of its three requests.
    for step in ("GET /report", "POST /report", "GET /receipt", "receive",
                 "derivation slot wait", "Argon2", "store report", "publish"):  # fmt: skip
        assert re.search(rf"    {re.escape(step)} +12 x ", output), (step, output)
    assert "CPU-bound ratio: Argon2" in output
    # The floor answered every visit with a receipt code, and intake is compared with it.
    floor, _, intake = output.partition("one node on SQLite")
    assert "the floor: intake's serving frame" in floor and "acknowledged 12 (nothing" in floor
    assert "errors: 0 " in floor and "picked up" not in floor
    assert re.search(r"= \d+\.\d\dx the floor's throughput", intake), output
