"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from intake.db import make_engine
from intake.migrate import upgrade_to_head
from intake.models import Base


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'intake.sqlite3'}")
    upgrade_to_head(engine)
    assert schema_differences(engine) == []
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    assert schema_differences(engine) == []
    engine.dispose()
