"""Alembic environment: runs on the connection intake/migrate.py hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from intake.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run intake migrations through `haven intake migrate`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
