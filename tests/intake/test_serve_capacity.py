"""The serving capacity settings: one thread per accepted connection, uploads below threads."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from haven.cli import main
from intake.config import IntakeConfig, load_config
from intake.serve import DEFAULT_THREADS, DEFAULT_WORKERS, gunicorn_options, upload_cap


def test_a_worker_accepts_no_more_connections_than_it_has_threads() -> None:
    options = gunicorn_options(host="127.0.0.1", port=8080, workers=2, threads=160)
    assert options["worker_connections"] == options["threads"] == 160
    # No kept-alive connection may hold a slot with no thread behind it.
    assert options["keepalive"] == 0


def test_the_upload_cap_leaves_a_thread_for_the_form_and_the_busy_page(
    config: IntakeConfig,
) -> None:
    assert upload_cap(config, threads=DEFAULT_THREADS) == config.max_concurrent_uploads
    assert config.max_concurrent_uploads < DEFAULT_THREADS
    assert upload_cap(config, threads=4) == 3
    assert upload_cap(dataclasses.replace(config, max_concurrent_uploads=2), threads=4) == 2
    assert upload_cap(config, threads=1) == 1


def test_serve_defaults_are_the_documented_capacity() -> None:
    result = CliRunner().invoke(main, ["intake", "serve", "--help"])
    assert f"[default: {DEFAULT_WORKERS};" in result.output
    assert f"[default: {DEFAULT_THREADS};" in result.output


def test_each_slow_client_variable_sets_its_field(data_dir: Path) -> None:
    config = load_config(
        {
            "HAVEN_DATA_DIR": str(data_dir),
            "HAVEN_HEADER_TIMEOUT_SECONDS": "7",
            "HAVEN_MIN_UPLOAD_BYTES_PER_SECOND": "300",
            "HAVEN_UPLOAD_RATE_WINDOW_SECONDS": "90",
            "HAVEN_MAX_CONCURRENT_UPLOADS": "12",
        }
    )
    assert config.header_timeout_seconds == 7
    assert config.min_upload_bytes_per_second == 300
    assert config.upload_rate_window_seconds == 90
    assert config.max_concurrent_uploads == 12
