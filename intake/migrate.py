"""Schema migrations: bring a database to the newest revision, or refuse an outdated one.

Only migrating needs Alembic. Serving only checks that the database is at
HEAD_REVISION, which is one query, so `haven intake serve` and every worker it
forks never import Alembic (about 10 MiB of every process's memory and a third
of a second of its start-up); tests/intake/test_migrations.py holds
HEAD_REVISION to Alembic's own head of the scripts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, column, inspect, select, table

from intake.errors import SchemaError

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "intake:migrations"
# The newest script of intake/migrations/versions: a new migration changes it.
HEAD_REVISION = "0009_forgotten_replies"
# Where Alembic records the revision a database is at (its default, which env.py keeps).
VERSION_TABLE = "alembic_version"


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def alembic_head() -> str | None:
    """The head revision of the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def upgrade_to_head(engine: Engine, *, revision: str = "head") -> None:
    """Apply every pending migration (up to `revision`) to the database behind `engine`."""
    from alembic import command

    config = _alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Rebuilding a table on SQLite drops the old one, which with foreign keys on
            # would cascade-delete every row that refers to it; the pragma only takes
            # effect outside a transaction, so it is set before the migration's begins.
            _set_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise SchemaError(f"migration left {len(broken)} broken references")
        finally:
            if sqlite:
                _set_foreign_keys(connection, on=True)


def _set_foreign_keys(connection: Connection, *, on: bool) -> None:
    # On the driver's connection: SQLAlchemy's would begin a transaction first.
    connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


def recorded_revisions(connection: Connection) -> list[str]:
    """The revisions the database records itself at: none before its first migration."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return []
    versions = table(VERSION_TABLE, column("version_num"))
    return sorted(str(version) for version in connection.scalars(select(versions.c.version_num)))


def require_current_schema(engine: Engine) -> None:
    """Raise SchemaError unless the database is at the newest revision."""
    with engine.connect() as connection:
        current = recorded_revisions(connection)
    if current != [HEAD_REVISION]:
        raise SchemaError(
            f"database schema is at {', '.join(current) or 'nothing'}, "
            f"expected {HEAD_REVISION}: run `haven intake migrate --data-dir DIR`"
        )
