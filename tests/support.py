"""Helpers shared by every test suite.

`require` is how a test asks for an outside component (the stock `age` tool,
PostgreSQL, Chromium). On a developer's laptop a missing component skips the
test with its reason; under HAVEN_STRICT_TESTS=1, which CI sets, it fails it,
so a green CI always means the component was really exercised.
"""

from __future__ import annotations

import os
import shutil

import pytest

STRICT = os.environ.get("HAVEN_STRICT_TESTS") == "1"


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
