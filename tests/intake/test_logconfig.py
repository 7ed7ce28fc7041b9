"""The redacting log format and filter, record by record."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from gunicorn.config import Config

from intake.logconfig import NoAccessLogger, PeerDetailsFilter, RedactingFormatter, redact
from intake.serve import gunicorn_options

SECRET = "reporter-typed-this"


def formatted(message: str, *args: object, exc_info: bool = False) -> str:
    record = logging.LogRecord(
        "gunicorn.error",
        logging.WARNING,
        __file__,
        1,
        message,
        args,
        sys.exc_info() if exc_info else None,
    )
    assert PeerDetailsFilter().filter(record)
    return RedactingFormatter().format(record)


@pytest.mark.parametrize(
    ("message", "args"),
    [
        (f"Invalid request from ip=203.0.113.9: Invalid Method '{SECRET}'", ()),
        ("Error handling request %s %s", ("POST", f"/report?{SECRET}")),
        ("peer 2001:db8::17 went away", ()),
        ("peer ::ffff:198.51.100.4 went away", ()),
    ],
)
def test_peer_addresses_and_request_lines_are_dropped(message: str, args: tuple[str, ...]) -> None:
    line = formatted(message, *args)
    for leaked in (SECRET, "203.0.113.9", "2001:db8", "198.51.100.4", "/report"):
        assert leaked not in line
    assert line.startswith("[")  # the process id, not a time


def test_tracebacks_keep_frames_and_types_but_no_messages() -> None:
    try:
        try:
            raise KeyError(SECRET)
        except KeyError as inner:
            raise ValueError(f"while handling {SECRET}") from inner
    except ValueError:
        line = formatted("Exception on /report [POST]", exc_info=True)
    assert SECRET not in line
    assert "builtins.KeyError (message withheld)" in line
    assert "builtins.ValueError (message withheld)" in line
    assert "direct cause" in line
    assert "test_tracebacks_keep_frames_and_types_but_no_messages" in line


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("peer ::ffff:192.0.2.10 went away", "192.0.2"),  # IPv4-mapped, from a [::] bind
        ("ip:2001:db8::1 refused", "2001:db8"),
        ("x2001:db8::1", "2001:db8"),
        ("[fe80::1%eth0]:80", "fe80"),
        ("from 127.0.0.1:5555", "127.0.0"),
        ("host10.0.0.1x", "10.0.0"),
        ("at 12:34:56.789 today", "12:34"),
        ("addr ::1.", "::1"),
        ("peer 2001:db8:0:0:0:0:0:1:443 closed", "2001:db8"),  # port without brackets
        ("peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334:8080", "85a3"),
        ("conn a2001:db8::1 reset", "db8"),  # hex glued before it
    ],
)
def test_addresses_and_times_are_redacted_in_any_spelling(message: str, secret: str) -> None:
    assert secret not in redact(message)


@pytest.mark.parametrize("message", ["cafe:babe", "deadbeef", "version 1.2.3", "sha 3f:2a"])
def test_text_that_only_looks_like_an_address_is_kept(message: str) -> None:
    assert redact(message) == message


class Untouchable:
    """A request, response or environ that fails the test if anything of it is read."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"read .{name} of a request to log it")

    def __getitem__(self, key: object) -> object:
        raise AssertionError(f"read [{key!r}] of a request to log it")


@pytest.fixture
def gunicorn_loggers() -> Iterator[None]:
    """gunicorn's loggers as they were: making a Logger installs handlers on them."""
    loggers = [logging.getLogger(name) for name in ("gunicorn.error", "gunicorn.access")]
    kept = [(logger.handlers[:], logger.propagate, logger.level) for logger in loggers]
    yield
    for logger, (handlers, propagate, level) in zip(loggers, kept, strict=True):
        logger.handlers[:] = handlers
        logger.propagate, logger.level = propagate, level


def test_served_requests_build_no_access_log_record(gunicorn_loggers: None) -> None:
    config = Config()
    options = gunicorn_options(host="127.0.0.1", port=8080, workers=1, threads=1)
    # The logging configuration would reconfigure this process's root logger.
    for name, value in options.items():
        if name != "logconfig_dict":
            config.set(name, value)
    assert config.logger_class is NoAccessLogger
    # Not even if an access log were asked for (gunicorn's own Logger would build one).
    config.set("accesslog", "-")
    logger = config.logger_class(config)
    assert not logger.access_log_enabled
    request = Untouchable()
    logger.access(request, request, request, timedelta(seconds=1))
