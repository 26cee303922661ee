"""Engine setup: SQLite shared by many agent processes, or PostgreSQL (SPEC §6, CONVENTIONS).

SQLite: every write transaction starts with ``BEGIN IMMEDIATE`` so that concurrent
read-modify-write updates serialise instead of being silently lost; reads use a
plain deferred ``BEGIN`` and never block writers under WAL.

PostgreSQL (READ COMMITTED): the services lock the rows they read-modify-write
(``with_for_update()``, which compiles to nothing on SQLite) and take document numbers
with an atomic upsert (``services.base.reserve_numbers``). A session that sits idle inside a
transaction (a stopped client) is ended by the server after ``IDLE_IN_TX_TIMEOUT_MS``, so it
cannot hold locks. Each write transaction bumps the ``data_version`` counter row as its last
statement, which stands in for SQLite's ``PRAGMA data_version``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

BUSY_TIMEOUT_S = 30.0
IDLE_IN_TX_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = int(BUSY_TIMEOUT_S * 1000)  # PostgreSQL waits for a row lock as SQLite for the file


def pg_session_settings() -> dict[str, int]:
    """What every application connection to PostgreSQL runs with, and what the application role
    gets as its defaults (``pgroles.role_defaults``): a stopped client's transaction is cut off,
    and nobody waits for a lock longer than SQLite's busy timeout."""
    return {"idle_in_transaction_session_timeout": int(IDLE_IN_TX_TIMEOUT_MS),
            "lock_timeout": int(LOCK_TIMEOUT_MS)}
CHANGES_KEY = "data_version"  # the row of table ``counter`` that PostgreSQL writes bump
_BEGIN_OPTION = "huifang_begin"
_NO_AUTOCHECKPOINT = "huifang_no_autocheckpoint"
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, *, foreign_keys: bool = True, as_owner: bool = False) -> Engine:
    """Create an engine; on SQLite install the WAL / busy-timeout / BEGIN IMMEDIATE hooks.

    ``foreign_keys=False`` is for migrations only: rebuilding a table (SQLite's way to alter
    one) must not cascade into the rows that refer to it; the migration checks the keys
    itself before it commits.

    ``as_owner`` (PostgreSQL): connect as the URL's ``owner`` role, which may change the
    schema, instead of the application role (see ``store/pgroles.py``).
    """
    if not is_sqlite(url):
        from . import pgroles

        target = (pgroles.owner_url(url) if as_owner else None) or pgroles.connect_url(url)
        return _make_server_engine(target)
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
        # 16 MB of page cache (default 2 MB): a planner run on a large centre rewrote index pages
        # it had just evicted; pages are only cached when read, so an agent's process stays small.
        cur.execute("PRAGMA cache_size=-16384")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn, record):  # noqa: ANN001
        if record.info.pop(_NO_AUTOCHECKPOINT, False) and dbapi_conn is not None:
            dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")

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


def _make_server_engine(url) -> Engine:  # noqa: ANN001
    """PostgreSQL: parameters (phones, names) never appear in error messages or logs."""
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if engine.dialect.name != "postgresql":
        return engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            for name, value in pg_session_settings().items():
                cur.execute(f"SET {name} = {int(value)}")
        dbapi_conn.autocommit = autocommit

    return engine


def has_owner(url: str) -> bool:
    """Whether the URL names a separate owner role for schema changes (PostgreSQL)."""
    return not is_sqlite(url) and bool(make_url(url).query.get("owner"))


def grant_app_role(conn: Connection, url: str) -> None:
    """On the owner's connection: give the URL's application role its rights (PostgreSQL)."""
    from . import pgroles

    pgroles.grant_app_role(conn, pgroles.app_role(url), pg_session_settings())


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
            if engine.dialect.name == "postgresql":
                bump_changes(s.connection())


class Checkpointer:
    """SQLite: a long writer's WAL copied into the database file by a thread of its own.

    By default SQLite checkpoints inside a commit once the WAL passes 1,000 pages: on a large
    centre a third of a planner run went to it, all of it on the planner's path. Instead the
    writer's transactions ``defer`` it, and after each commit ``kick`` starts a PASSIVE
    checkpoint (it waits for no reader or writer) in a thread while the writer prepares its
    next transaction; the driver leaves the interpreter lock while it copies. ``join`` waits
    for the last one. Nothing on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine if engine.dialect.name == "sqlite" else None
        self._thread: threading.Thread | None = None

    def defer(self, s: Session) -> None:
        """This write transaction's commit leaves the WAL as it is (the connection gets
        SQLite's default back when it returns to the pool)."""
        if self._engine is not None:
            conn = s.connection()
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            conn.info[_NO_AUTOCHECKPOINT] = True

    def kick(self) -> None:
        if self._engine is None or (self._thread is not None and self._thread.is_alive()):
            return  # one at a time: the next kick copies what this one could not
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        import logging
        import sqlite3

        try:
            raw = self._engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                raw.close()
        except sqlite3.Error as e:  # the next ordinary commit checkpoints instead
            logging.getLogger(__name__).warning("WAL checkpoint skipped: %s", e)


def bump_changes(conn) -> None:  # noqa: ANN001
    """Last statement of a PostgreSQL write: the change counter moves when the data does.

    The row lock is held only from here to COMMIT, so writers barely wait on each other.
    """
    from sqlalchemy.dialects.postgresql import insert

    from .models import Counter

    t = Counter.__table__
    conn.execute(
        insert(t).values(key=CHANGES_KEY, value=1)
        .on_conflict_do_update(index_elements=[t.c.key], set_={"value": t.c.value + 1})
    )


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only snapshot (deferred BEGIN: never takes the write lock)."""
    ro = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
    if engine.dialect.name == "postgresql":
        # One snapshot for the whole read, as SQLite's read transaction gives.
        ro = engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(ro, expire_on_commit=False) as s:
        with s.begin():
            yield s


def data_version(engine: Engine) -> int:
    """Cheap change counter for refresh-on-change (SQLite ``PRAGMA data_version``).

    The value changes when *another* connection commits; we keep one dedicated
    connection per engine so successive reads are comparable. On PostgreSQL it is the
    ``data_version`` counter row that every write transaction bumps before it commits.
    """
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect() as c:
            value = c.execute(text("SELECT value FROM counter WHERE key = :k"), {"k": CHANGES_KEY}).scalar()
            c.rollback()
        return int(value or 0)
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


def dispose(engine: Engine) -> None:
    """Close every connection of this engine, including the data_version one."""
    conn = _DV.pop(id(engine), None)
    if conn is not None:
        conn.close()
    engine.dispose()
