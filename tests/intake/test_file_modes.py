"""Intake's files are its own: created private, and refused when other accounts may write them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

import intake.serve
from haven.cli import main
from intake.config import DATABASE_FILE, load_config
from intake.db import make_engine, writing
from intake.errors import ConfigError


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a careless shell: what SQLite would create is world-readable."""
    previous = os.umask(0o002)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_init_into_an_open_directory_closes_it_and_creates_a_private_database(
    tmp_path: Path, loose_umask: None
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    result = CliRunner().invoke(main, ["intake", "init", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert mode(data_dir) == 0o700
    database = data_dir / DATABASE_FILE
    assert mode(database) == 0o600
    # The WAL and shared-memory files exist while a connection writes.
    engine = make_engine(f"sqlite:///{database}")
    with writing(engine) as connection:
        connection.execute(text("CREATE TABLE probe (x)"))
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        for suffix in ("-wal", "-shm"):
            assert mode(data_dir / f"{DATABASE_FILE}{suffix}") == 0o600, suffix
    engine.dispose()


@pytest.mark.parametrize("loose", [0o620, 0o602, 0o666], ids=oct)
def test_a_recipients_file_others_may_write_is_refused(data_dir: Path, loose: int) -> None:
    recipients = data_dir / "recipients.txt"
    recipients.chmod(loose)
    with pytest.raises(ConfigError) as refused:
        load_config({"HAVEN_DATA_DIR": str(data_dir)})
    message = str(refused.value)
    assert str(recipients) in message and f"chmod 600 {recipients}" in message
    assert "read every later report" in message


def test_a_recipients_file_others_may_only_read_is_accepted(data_dir: Path) -> None:
    (data_dir / "recipients.txt").chmod(0o644)
    assert load_config({"HAVEN_DATA_DIR": str(data_dir)}).recipients


@pytest.mark.parametrize("loose", [0o770, 0o703, 0o777], ids=oct)
def test_a_data_directory_others_may_write_is_refused(data_dir: Path, loose: int) -> None:
    data_dir.chmod(loose)
    with pytest.raises(ConfigError, match=f"chmod 700 {data_dir}"):
        load_config({"HAVEN_DATA_DIR": str(data_dir)})


def test_serve_refuses_a_writable_recipients_file_in_one_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_start(*_args: object, **_kwargs: object) -> None:
        pytest.fail("serve started with a recipients file other accounts may write")

    # Were the refusal missing, the test fails here instead of serving forever.
    monkeypatch.setattr(intake.serve, "serve", must_not_start)
    (data_dir / "recipients.txt").chmod(0o666)
    result = CliRunner().invoke(main, ["intake", "serve", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: HAVEN_RECIPIENTS_FILE: ")
    assert "chmod 600" in result.output
