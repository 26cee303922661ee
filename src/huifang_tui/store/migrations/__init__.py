"""Alembic migrations of the store, one file per revision under ``versions/`` (``store/migrate.py``)."""
