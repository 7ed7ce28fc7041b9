"""The review app's configuration: a pure, validated function of the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.config import load_config
from review.errors import ConfigError
from review.web.server import loopback_address


def test_defaults() -> None:
    config = load_config({"HAVEN_REVIEW_WORKSPACE": "/srv/ws"})
    assert config.workspace == Path("/srv/ws")
    assert config.idle_seconds == 15 * 60


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "HAVEN_REVIEW_WORKSPACE"),
        ({"HAVEN_REVIEW_WORKSPACE": " "}, "HAVEN_REVIEW_WORKSPACE"),
        ({"HAVEN_REVIEW_WORKSPACE": "/w", "HAVEN_REVIEW_IDLE_MINUTES": "soon"},
         "HAVEN_REVIEW_IDLE_MINUTES"),
        ({"HAVEN_REVIEW_WORKSPACE": "/w", "HAVEN_REVIEW_IDLE_MINUTES": "0"},
         "HAVEN_REVIEW_IDLE_MINUTES"),
        ({"HAVEN_REVIEW_WORKSPACE": "/w", "HAVEN_REVIEW_IDLE_MINUTES": "100000"},
         "HAVEN_REVIEW_IDLE_MINUTES"),
    ],
)
def test_errors_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_config(environ)


@pytest.mark.parametrize(("host", "bound"), [("127.0.0.1", "127.0.0.1"), ("localhost", "127.0.0.1"),
                                             ("127.0.0.2", "127.0.0.2"), ("::1", "[::1]"),
                                             ("[::1]", "[::1]")])
def test_loopback_addresses(host: str, bound: str) -> None:
    assert loopback_address(host) == bound


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.0.2", "::ffff:8.8.8.8", "local"])
def test_other_addresses_are_refused(host: str) -> None:
    with pytest.raises(ConfigError):
        loopback_address(host)
