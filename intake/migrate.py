"""Schema migrations: bring a database to the newest revision, or refuse an outdated one."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from intake.errors import SchemaError

SCRIPT_LOCATION = "intake:migrations"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration to the database behind `engine`."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def require_current_schema(engine: Engine) -> None:
    """Raise SchemaError unless the database is at the newest revision."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        raise SchemaError(
            f"database schema is at {current or 'nothing'}, expected {head}: "
            "run `haven intake migrate --data-dir DIR`"
        )
