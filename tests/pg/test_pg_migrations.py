"""Migrations on PostgreSQL (issue 15): every revision from an empty database gives the models'
schema, as on SQLite (tests/store/test_migrations.py)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from huifang_tui.services.base import Store
from huifang_tui.store import db, migrate, revision

from conftest import NOW


def test_upgrade_from_base_builds_exactly_the_models(pg_url):
    engine = db.make_engine(pg_url)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    SQLModel.metadata)
            assert diff == []
            assert db.stored_revision(conn) == revision.HEAD
        st = Store(pg_url, clock=lambda: NOW, engine=engine)
        assert st.schema_state() == revision.CURRENT
    finally:
        db.dispose(engine)


def test_new_database_from_the_models_is_at_head(pg_url):
    st = Store(pg_url, clock=lambda: NOW)
    try:
        st.ensure_schema()
        assert st.schema_state() == revision.CURRENT
    finally:
        db.dispose(st.engine)
