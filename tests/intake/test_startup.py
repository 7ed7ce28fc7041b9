"""Start-up work runs once per server, before gunicorn forks, not in every worker's app."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import intake.serve
from haven.cli import main
from intake import create_app
from intake.config import IntakeConfig
from intake.db import make_engine
from intake.staging import StagedSubmission
from tests.intake.storage import leases_at, submissions

# Long past: whatever was staged then belongs to an upload that died.
LONG_AGO = date(2000, 1, 1)


def stage_a_leftover(config: IntakeConfig) -> str:
    engine = make_engine(config.database_url)
    # Staged by a process whose lease ran out long ago.
    staged = StagedSubmission(engine, leases=leases_at(engine, 0.0), today=lambda: LONG_AGO)
    staged.flush()
    leftover = staged.id
    engine.dispose()
    return leftover


def test_building_an_app_collects_nothing(config: IntakeConfig) -> None:
    leftover = stage_a_leftover(config)
    app = create_app(config)
    engine = app.extensions["haven_intake"].engine
    assert submissions(engine) == {leftover: "staged"}
    engine.dispose()


def test_serve_collects_leftovers_once_before_gunicorn_starts(
    config: IntakeConfig, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    stage_a_leftover(config)
    seen_at_run: list[dict[str, str]] = []

    def run(server: intake.serve.IntakeServer) -> None:
        engine = make_engine(config.database_url)
        seen_at_run.append(submissions(engine))
        engine.dispose()

    monkeypatch.setattr(intake.serve.IntakeServer, "run", run)
    result = CliRunner().invoke(main, ["intake", "serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert seen_at_run == [{}]


def test_serve_refuses_an_unmigrated_database_in_one_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    (data_dir / "intake.sqlite3").unlink()
    monkeypatch.setattr(intake.serve.IntakeServer, "run", lambda _server: pytest.fail("ran"))
    result = CliRunner().invoke(main, ["intake", "serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: database schema is at nothing")
    assert result.output.count("\n") == 1
