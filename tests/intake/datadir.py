"""An intake data directory for tests, prepared as `haven intake init` would."""

from __future__ import annotations

from pathlib import Path

from intake.config import DATABASE_FILE
from intake.db import make_engine
from intake.migrate import upgrade_to_head
from intake.pickup_key import ensure_pickup_signing_key
from intake.secretfiles import create_secret_files


def prepare_data_dir(path: Path, recipients: list[str], database_url: str | None = None) -> Path:
    """Initialise `path` as `haven intake init` would, with the given recipients."""
    create_secret_files(path)
    ensure_pickup_signing_key(path)
    (path / "recipients.txt").write_text("# reviewers\n" + "\n".join(recipients) + "\n")
    engine = make_engine(database_url or f"sqlite:///{path / DATABASE_FILE}")
    upgrade_to_head(engine)
    engine.dispose()
    return path
