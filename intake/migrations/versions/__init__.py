"""Alembic revision scripts, applied in order by `haven intake init` and `haven intake migrate`."""
