"""Serving checks the schema's revision without Alembic, and refuses any but the newest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from intake.db import make_engine
from intake.errors import SchemaError
from intake.migrate import HEAD_REVISION, alembic_head, require_current_schema, upgrade_to_head

ROOT = Path(__file__).resolve().parents[2]


def test_the_head_revision_written_out_is_alembics_head() -> None:
    # A new migration script must change HEAD_REVISION too, or serving would refuse
    # every migrated database (or accept one a migration behind).
    assert alembic_head() == HEAD_REVISION


def test_serving_imports_no_alembic() -> None:
    # What `haven intake serve` and its workers import: the server, the app, the worker.
    probe = (
        "import sys\n"
        "import intake.serve, intake.app, intake.worker\n"
        "loaded = sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.'))\n"
        "print(loaded)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert completed.stdout.strip() == "[]", completed.stdout


def test_only_the_newest_revision_is_served(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    try:
        with pytest.raises(SchemaError, match="schema is at nothing, expected "):
            require_current_schema(engine)
        upgrade_to_head(engine, revision="0002")
        with pytest.raises(SchemaError, match="schema is at 0002, expected "):
            require_current_schema(engine)
        upgrade_to_head(engine)
        require_current_schema(engine)
    finally:
        engine.dispose()
