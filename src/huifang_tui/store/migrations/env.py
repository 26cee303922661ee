"""Alembic environment: always run programmatically with a connection (see store/migrate.py).

There is no alembic.ini: ``store.migrate.alembic_config()`` builds the configuration and
passes the open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from huifang_tui.store import models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only reachable by running alembic by hand
        raise SystemExit("run migrations with `huifang db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
