"""bench/review_crash_harness.py at a small size: SIGKILLed imports, exports and triage writes.

By hand it runs at full size (50 kills, attachments up to 24 MiB); here two
kills of each operation with attachments of at most 4 MiB. The harness itself
checks the workspace, the audit chain, the packages and the triage after every
kill and after every retry, and exits non-zero if any check fails; this test
also holds its figures: every kill retried, nothing inconsistent, every
leftover collected.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.review.evidence import need_tool
from tests.support import WAIT_SECONDS

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "review_crash_harness.py"
KILLS_PER_OPERATION = 2


def figure(output: str, label: str) -> str:
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label + ":")]
    return line.split(":", 1)[1].strip()


@pytest.mark.slow
def test_review_crash_harness() -> None:
    need_tool("bagit.py")
    completed = subprocess.run(
        [sys.executable, str(HARNESS), "--kills", str(3 * KILLS_PER_OPERATION), "--small",
         "--seed", "11"],
        capture_output=True, text=True, timeout=WAIT_SECONDS * 5, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    each = KILLS_PER_OPERATION
    assert figure(output, "kills") == f"{3 * each} ({each} import, {each} export, {each} triage)"
    assert figure(output, "retries succeeded") == (
        f"{3 * each} ({each} import, {each} export, {each} triage)")
    assert figure(output, "inconsistencies found") == "0"
    leftovers = re.findall(r"leftovers \([^)]*\): (\d+) found, (\d+) collected", output)
    assert leftovers and all(found == collected for found, collected in leftovers), output
    assert "review crash harness: OK" in output
