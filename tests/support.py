"""Helpers shared by every test suite.

`require` is how a test asks for an outside component (the stock `age` tool,
PostgreSQL, Chromium). On a developer's laptop a missing component skips the
test with its reason; under HAVEN_STRICT_TESTS=1, which CI sets, it fails it,
so a green CI always means the component was really exercised.

`wait_until` is how a test waits for anything: on a condition, never for a
fixed time, up to the one bound WAIT_SECONDS.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

STRICT = os.environ.get("HAVEN_STRICT_TESTS") == "1"
WAIT_VARIABLE = "HAVEN_TEST_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 180.0
POLL_SECONDS = 0.05


def wait_seconds(environ: Mapping[str, str]) -> float:
    """The bound on every wait in the suite: HAVEN_TEST_WAIT_SECONDS, or 180 s."""
    raw = environ.get(WAIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(f"{WAIT_VARIABLE} must be a positive number of seconds, not {raw!r}")
    return seconds


# Every wait is for a condition (a server answering, a log line, a thread), so
# the bound is reached only when something is wrong. It is generous because a
# loaded machine (load average 70 on CI) takes minutes to start a server.
WAIT_SECONDS = wait_seconds(os.environ)


def require(available: bool, reason: str) -> None:
    """Skip (or, under HAVEN_STRICT_TESTS=1, fail) unless `available`."""
    if available:
        return
    if STRICT:
        pytest.fail(f"HAVEN_STRICT_TESTS=1 and a required component is missing: {reason}")
    pytest.skip(reason)


def require_program(name: str, install_hint: str) -> str:
    """Return the path of program `name`, or skip/fail with how to install it."""
    path = shutil.which(name)
    require(path is not None, f"`{name}` not found on PATH ({install_hint})")
    assert path is not None
    return path


def wait_until(
    condition: Callable[[], bool],
    *,
    failure: str,
    process: subprocess.Popen[bytes] | None = None,
    output: Path | None = None,
) -> None:
    """Poll `condition` until it holds; fail with `failure` after WAIT_SECONDS.

    If `process` exits first the test fails at once, showing `output` (the file
    the process writes to): waiting out the bound would only hide the reason.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{failure}: the process exited with status {process.returncode}"
                        f"{_shown(output)}")  # fmt: skip
        if time.monotonic() >= deadline:
            pytest.fail(f"{failure} within {WAIT_SECONDS:g} s ({WAIT_VARIABLE}){_shown(output)}")
        time.sleep(POLL_SECONDS)


def _shown(output: Path | None) -> str:
    if output is None:
        return ""
    text = output.read_text(errors="replace") if output.exists() else ""
    return f"; its output:\n{text}" if text.strip() else "; it wrote no output"
