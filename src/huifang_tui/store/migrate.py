"""Schema migrations with Alembic, run programmatically (no alembic.ini).

Only ``huifang db upgrade`` and the tests import this module: normal commands compare
revisions through ``store/revision.py`` without loading alembic.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from . import revision

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def script_revisions() -> list[str]:
    """Every revision alembic knows, oldest first (a test compares it with revision.REVISIONS)."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def upgrade(conn: Connection, target: str = "head") -> None:
    """Migrate inside the caller's transaction; a database from before migrations is stamped
    as the baseline first."""
    from .db import has_tables

    cfg = alembic_config(conn)
    if _stored(conn) is None and has_tables(conn):  # made before migrations: the baseline
        command.stamp(cfg, revision.REVISIONS[0])
    command.upgrade(cfg, target)
    if conn.dialect.name == "sqlite":
        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if bad:
            raise RuntimeError(f"foreign keys broken by the migration: {bad[:5]}")


def _stored(conn: Connection) -> str | None:
    from .db import stored_revision

    return stored_revision(conn)


def stored(conn: Connection) -> str | None:
    return _stored(conn)


def current_head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def table_counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
