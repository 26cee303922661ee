"""Moving a centre from its SQLite file to PostgreSQL (issue 15): ``huifang migrate-to URL``.

1. The source is the SQLite store at this code's revision; the actor is an admin there.
2. The target must be an empty PostgreSQL database (no table at all): otherwise refused.
3. The schema is built by the Alembic migrations (every revision from base, as the URL's owner
   role when it names one); rows the migrations seed are removed (the source has its own); then
   every table is copied in foreign-key order inside one
   transaction, the id sequences are reset to the highest id, and the application role gets
   its rights.
4. Before committing, every table is compared: row count and a SHA-256 over a canonical text
   form of its rows. Any difference rolls the whole copy back.

Canonical text form of a table: its rows ordered by primary key; each row is the JSON array
(UTF-8, no ASCII escaping, no spaces) of its column values in the table's column order, with
NULL as ``null``, booleans as ``true``/``false``, integers as numbers, decimals as strings with
the column's scale, dates as ``YYYY-MM-DD`` and date-times as ``YYYY-MM-DD HH:MM:SS[.ffffff]``;
rows are joined with ``\\n``. Both back ends are read through the same SQLAlchemy column types,
so equal data gives equal text whatever each database stores underneath.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from ..core.errors import PermissionDenied, SchemaMismatch, ServiceError
from ..core.i18n import t
from ..core.identity import Actor
from ..store import db, revision
from .base import Store

BATCH = 2000


class TargetNotEmpty(ServiceError):
    """The target database already holds tables (exit 2)."""


class CopyMismatch(ServiceError):
    """A table differs between source and target after the copy; nothing was committed."""


@dataclass
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


def tables() -> list[Table]:
    """Every table of the models, parents before children."""
    from sqlmodel import SQLModel

    from ..store import models  # noqa: F401  (register tables)

    return list(SQLModel.metadata.sorted_tables)


def _canon(value: object, scale: int | None) -> object:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal(1).scaleb(-scale))) if scale is not None else str(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _is_int(col) -> bool:  # noqa: ANN001
    try:
        return col.type.python_type is int
    except NotImplementedError:
        return False


def _ordered_rows(conn: Connection, table: Table) -> Iterable[tuple]:
    pk = list(table.primary_key.columns)
    numeric = all(_is_int(c) for c in pk)
    q = select(table)
    if numeric:
        # Integer keys sort the same everywhere; stream them in order.
        yield from conn.execute(q.order_by(*pk)).yield_per(BATCH)
    else:
        # Text keys: sort here, not by the database's collation (which differs between back ends).
        idx = [list(table.columns).index(c) for c in pk]
        yield from sorted(conn.execute(q).all(), key=lambda r: tuple(r[i] for i in idx))


def table_checksum(conn: Connection, table: Table) -> tuple[int, str]:
    """(row count, SHA-256 hex of the canonical text form) of one table."""
    scales = [getattr(c.type, "scale", None) for c in table.columns]
    h = hashlib.sha256()
    n = 0
    for row in _ordered_rows(conn, table):
        line = json.dumps([_canon(v, s) for v, s in zip(row, scales)], ensure_ascii=False, separators=(",", ":"))
        h.update((("\n" if n else "") + line).encode("utf-8"))
        n += 1
    return n, h.hexdigest()


def _copy_table(src: Connection, dst: Connection, table: Table) -> None:
    cols = [c.name for c in table.columns]
    batch: list[dict] = []
    for row in src.execute(select(table)).yield_per(BATCH):
        batch.append(dict(zip(cols, row)))
        if len(batch) >= BATCH:
            dst.execute(table.insert(), batch)
            batch = []
    if batch:
        dst.execute(table.insert(), batch)


def _reset_sequences(dst: Connection, table: Table) -> None:
    for col in table.primary_key.columns:
        if col.autoincrement is True or (col.autoincrement == "auto" and _is_int(col)
                                          and len(table.primary_key.columns) == 1):
            seq = dst.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                              {"t": table.name, "c": col.name}).scalar()
            if seq:
                top = dst.execute(select(func.max(col))).scalar()
                dst.execute(text("SELECT setval(:s, :v, :called)"),
                            {"s": seq, "v": top or 1, "called": top is not None})


def check_target(url: str) -> None:
    """Refuse anything but an empty PostgreSQL database."""
    if make_url(url).get_backend_name() != "postgresql":
        raise ServiceError(t("mig.not_pg", url=_show(url)))


def _show(url: str) -> str:
    from ..core.config import display_db

    return display_db(url)


def migrate_to(store: Store, actor: Actor, target_url: str,
               progress: Callable[[str, int], None] | None = None) -> list[TableCheck]:
    """Copy the SQLite store into the empty PostgreSQL database at ``target_url``."""
    if actor.role != "admin":
        raise PermissionDenied(t("db.need_admin", role=t(f"role.{actor.role}")))
    if db.sqlite_path(store.url) is None:
        raise ServiceError(t("mig.source_not_sqlite", url=_show(store.url)))
    check_target(target_url)
    if store.schema_state() != revision.CURRENT:
        raise SchemaMismatch(t("db.behind"))
    from ..store import migrate

    owner = db.make_engine(target_url, as_owner=True)
    try:
        with owner.connect() as probe:
            present = inspect(probe).get_table_names()
            probe.rollback()
        if present:
            raise TargetNotEmpty(t("mig.not_empty", url=_show(target_url), n=len(present),
                                   tables=", ".join(sorted(present)[:5])))
        # Recorded in the source first, so the moved database carries the record of its move.
        _audit(store, actor, target_url)
        checks: list[TableCheck] = []
        with db.read_connection(store.engine) as src, owner.begin() as dst:
            migrate.upgrade(dst)  # the Alembic schema, every revision from base
            for table in reversed(tables()):  # rows the migrations seed (departments): the source has its own
                dst.execute(table.delete())
            for table in tables():
                if progress:
                    progress(table.name, 0)
                _copy_table(src, dst, table)
                _reset_sequences(dst, table)
            db.grant_app_role(dst, target_url)
            for table in tables():
                sn, ss = table_checksum(src, table)
                tn, ts = table_checksum(dst, table)
                checks.append(TableCheck(table.name, sn, tn, ss, ts))
            if not all(c.ok for c in checks):
                raise CopyMismatch(t("mig.mismatch", tables=", ".join(c.table for c in checks if not c.ok)))
    finally:
        owner.dispose()
    return checks


def _audit(store: Store, actor: Actor, target_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit_entry (at, login, action, entity, entity_id, before, after)"
                 " VALUES (:at, :login, 'db.migrate_to', 'database', :eid, '', :after)"),
            {"at": store.now(), "login": actor.login, "eid": _show(target_url),
             "after": json.dumps({"target": _show(target_url)}, ensure_ascii=False)})
