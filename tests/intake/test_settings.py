"""Optional settings: each variable sets its field, and a default is written only once."""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from haven.cli import main
from intake.config import IntakeConfig, default_of, load_config
from intake.errors import ConfigError


def test_every_variable_sets_its_field(data_dir: Path) -> None:
    config = load_config(
        {
            "HAVEN_DATA_DIR": str(data_dir),
            "HAVEN_DATABASE_URL": "sqlite:///elsewhere.sqlite3",
            "HAVEN_MAX_UPLOAD_BYTES": "1000",
            "HAVEN_MAX_FILES": "3",
            "HAVEN_MAX_TEXT_CHARS": "50",
            "HAVEN_RETENTION_DAYS": "7",
            "HAVEN_PLAIN_HTTP": "1",
            "HAVEN_QUICK_EXIT_URL": "https://weather.example/",
            "HAVEN_STAGED_LEASE_SECONDS": "30",
        }
    )
    assert config.database_url == "sqlite:///elsewhere.sqlite3"
    assert (config.max_upload_bytes, config.max_files, config.max_text_chars) == (1000, 3, 50)
    assert config.retention_days == 7
    assert config.plain_http is True
    assert config.quick_exit_url == "https://weather.example/"
    assert config.staged_lease_seconds == 30


def test_a_lease_shorter_than_four_seconds_is_refused(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match="HAVEN_STAGED_LEASE_SECONDS must be at least 4"):
        load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_STAGED_LEASE_SECONDS": "3"})


def test_an_unset_variable_leaves_the_default_intake_config_declares(data_dir: Path) -> None:
    config = load_config({"HAVEN_DATA_DIR": str(data_dir)})
    defaults = {f.name: f.default for f in fields(IntakeConfig) if f.default is not MISSING}
    assert {"max_files", "retention_days", "plain_http", "quick_exit_url"} <= set(defaults)
    assert {name: getattr(config, name) for name in defaults} == defaults
    assert default_of("retention_days") == defaults["retention_days"]


def test_purge_help_shows_the_declared_retention_default() -> None:
    result = CliRunner().invoke(main, ["intake", "purge", "--help"])
    assert result.exit_code == 0
    shown = " ".join(result.output.split())
    assert f"[default: HAVEN_RETENTION_DAYS or {default_of('retention_days')}]" in shown
