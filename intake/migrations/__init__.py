"""Alembic migrations of the intake database, from the first table."""
