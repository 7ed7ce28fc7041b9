"""bench/crash_harness.py at a small size: SIGKILLs mid-upload lose nothing acknowledged.

By hand it runs at full size (50 kills, files of 20-100 MiB); here 5 kills
with files of at most 10 MiB, on SQLite and on PostgreSQL. The harness itself
checks receipts against the pickup bundle, partial submissions and leftovers,
and exits non-zero if any check fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import WAIT_SECONDS, require_program

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "crash_harness.py"


def run_harness(*extra: str) -> str:
    require_program("age-keygen", "apt-get install age")
    completed = subprocess.run(
        [sys.executable, str(HARNESS), "--kills", "5", "--small", "--seed", "11", *extra],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS * 5,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def figure(output: str, label: str) -> int:
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label + ":")]
    return int(line.split(":", 1)[1].split()[0])


def check(output: str) -> None:
    assert figure(output, "kills") == 5
    receipts = figure(output, "receipts")
    assert receipts > 0
    assert figure(output, "whole submissions (receipt opens it, it decrypts and matches)") == (
        receipts
    )
    assert figure(output, "partial seen") == 0
    assert figure(output, "dead ciphertext bytes at the end") == 0
    assert "crash harness: OK" in output


@pytest.mark.slow
def test_crash_harness_on_sqlite() -> None:
    check(run_harness())


@pytest.mark.slow
@pytest.mark.postgres
def test_crash_harness_on_postgresql(database_url: str) -> None:
    check(run_harness("--database-url", database_url))
