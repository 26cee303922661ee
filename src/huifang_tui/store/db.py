"""Engine setup: SQLite shared by many agent processes (SPEC §6, CONVENTIONS).

Every write transaction starts with ``BEGIN IMMEDIATE`` so that concurrent
read-modify-write updates serialise instead of being silently lost; reads use a
plain deferred ``BEGIN`` and never block writers under WAL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

BUSY_TIMEOUT_S = 30.0
_BEGIN_OPTION = "huifang_begin"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """Create an engine; on SQLite install the WAL / busy-timeout / BEGIN IMMEDIATE hooks.

    ``foreign_keys=False`` is for migrations only: rebuilding a table (SQLite's way to alter
    one) must not cascade into the rows that refer to it; the migration checks the keys
    itself before it commits.
    """
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        new_file = not path.exists()
    # hide_parameters: customer data never lands in error messages or logs (SPEC §6).
    engine = create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # Take transaction control away from pysqlite: we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql("BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE")

    if path is not None and new_file:
        # Touch the file now so its mode can be fixed before anyone writes.
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA user_version")
        fix_mode(path)
    return engine


def fix_mode(path: Path) -> None:
    """SQLite creates files 0644 whatever the umask: make them group read/write (0660)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if p.exists():
                os.chmod(p, 0o660)
        except PermissionError:
            pass


ALEMBIC_TABLE = "alembic_version"


def create_schema(conn: Connection, head: str) -> None:
    """A new, empty database: every table at the code's revision, stamped with it.

    Equivalent to running every migration (a test compares the two); much faster.
    """
    from . import models  # noqa: F401  (register tables)

    SQLModel.metadata.create_all(conn)
    conn.exec_driver_sql(
        f"CREATE TABLE {ALEMBIC_TABLE} (version_num VARCHAR(32) NOT NULL,"
        f" CONSTRAINT {ALEMBIC_TABLE}_pkc PRIMARY KEY (version_num))")
    conn.execute(text(f"INSERT INTO {ALEMBIC_TABLE} (version_num) VALUES (:v)"), {"v": head})


def has_tables(conn: Connection) -> bool:
    """Whether the database holds any of our tables (the pre-migration marker included)."""
    insp = inspect(conn)
    return insp.has_table("schema_version") or insp.has_table(ALEMBIC_TABLE)


def stored_revision(conn: Connection) -> str | None:
    """alembic_version's value, or None when the table is missing."""
    if not inspect(conn).has_table(ALEMBIC_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {ALEMBIC_TABLE}")).scalar()


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection in a deferred (read-only) transaction: never takes the write lock."""
    ro = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
    with ro.connect() as conn:
        with conn.begin():
            yield conn


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction (BEGIN IMMEDIATE on SQLite); commits or rolls back whole."""
    with Session(engine, expire_on_commit=False) as s:
        with s.begin():
            yield s


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only snapshot (deferred BEGIN: never takes the write lock)."""
    ro = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
    with Session(ro, expire_on_commit=False) as s:
        with s.begin():
            yield s


def data_version(engine: Engine) -> int:
    """Cheap change counter for refresh-on-change (SQLite ``PRAGMA data_version``).

    The value changes when *another* connection commits; we keep one dedicated
    connection per engine so successive reads are comparable.
    """
    conn = _dv_conn(engine)
    if conn is None:
        return 0
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


_DV: dict[int, object] = {}


def _dv_conn(engine: Engine):  # noqa: ANN202
    if not is_sqlite(str(engine.url)):
        return None
    key = id(engine)
    conn = _DV.get(key)
    if conn is None:
        # Keep the pool's wrapper checked out: if it went back to the pool this connection would
        # be used for writes, and data_version only moves for *other* connections' commits.
        conn = _DV[key] = engine.raw_connection()
    return conn.driver_connection
