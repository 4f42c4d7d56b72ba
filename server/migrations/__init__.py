"""Alembic migrations; run with ``python -m server migrate``."""
