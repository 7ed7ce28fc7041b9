"""How the suite waits: on a condition, at once failing when the process died, up to one bound."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests import support
from tests.servers import free_port, serving
from tests.support import DEFAULT_WAIT_SECONDS, wait_seconds, wait_until


def test_the_bound_is_generous_unless_the_environment_says_otherwise() -> None:
    assert wait_seconds({}) == DEFAULT_WAIT_SECONDS >= 180
    assert wait_seconds({"HAVEN_TEST_WAIT_SECONDS": " 600 "}) == 600
    assert wait_seconds({"HAVEN_TEST_WAIT_SECONDS": "2.5"}) == 2.5


@pytest.mark.parametrize("raw", ["0", "-1", "soon", "nan", "inf"])
def test_a_bound_that_is_no_number_of_seconds_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match="HAVEN_TEST_WAIT_SECONDS"):
        wait_seconds({"HAVEN_TEST_WAIT_SECONDS": raw})


def test_a_wait_ends_as_soon_as_its_condition_holds() -> None:
    calls = iter([False, False, True])
    started = time.monotonic()
    wait_until(lambda: next(calls), failure="never")
    assert time.monotonic() - started < DEFAULT_WAIT_SECONDS


def test_a_wait_fails_at_the_bound_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support, "WAIT_SECONDS", 0.2)
    with pytest.raises(pytest.fail.Exception, match=r"the thing did not happen within 0\.2 s"):
        wait_until(lambda: False, failure="the thing did not happen")


def test_a_server_that_exits_fails_at_once_showing_its_output(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('no such data directory'); sys.exit(3)"]
    started = time.monotonic()
    with (
        pytest.raises(pytest.fail.Exception) as failure,
        serving("crasher", command, port=free_port(), log=tmp_path / "log"),
    ):
        pass
    assert time.monotonic() - started < DEFAULT_WAIT_SECONDS / 2
    message = str(failure.value)
    assert "crasher did not start answering" in message
    assert "exited with status 3" in message
    assert "no such data directory" in message


def test_a_server_is_used_once_it_answers_and_stopped_after(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    with serving("http.server", command, port=port, log=tmp_path / "log") as server:
        assert server.answers()
        assert server.process.poll() is None
    assert server.process.poll() is not None
