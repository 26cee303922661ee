"""Many rows into one table in one driver call, for the planner's tens of thousands of
callbacks a run.

``session.execute(insert(table), rows)`` spends most of its time in SQLAlchemy's per-row
parameter handling (building each row's parameter set and running every value through its
type, ~40 µs a row here), more than SQLite takes to store the row. This compiles the INSERT
once per dialect and column list, converts only the values whose column type needs it (dates
and times on SQLite) with that type's own converter, and hands the driver the plain rows: the
same values land in the table as through the ORM, which a test checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                skip_existing: tuple[str, ...] = ()) -> int:
    """Insert ``rows`` (dicts with the same keys, column names of ``table``) into ``table``;
    returns how many went in. Their values may be converted in place. ``skip_existing``: the
    columns of a unique key; a row whose key exists already is skipped (``ON CONFLICT DO
    NOTHING``) rather than failing the statement."""
    if not rows:
        return 0
    sql, order, converters, fill = _compiled(table, tuple(rows[0]), conn.dialect, skip_existing)
    rows = [{**fill, **r} for r in rows] if fill else rows  # (converted in place below)
    for c, f in converters:  # a run's rows share few distinct dates: convert each once
        memo: dict = {}
        for r in rows:
            v = r[c]
            if v is not None:
                w = memo.get(v)
                if w is None:
                    w = memo[v] = f(v)
                r[c] = w
    if conn.dialect.positional:
        get = itemgetter(*order)
        result = conn.exec_driver_sql(sql, [get(r) for r in rows] if len(order) > 1 else [(get(r),) for r in rows])
    else:
        result = conn.exec_driver_sql(sql, rows)
    return result.rowcount


@lru_cache(maxsize=16)
def _compiled(table: Table, cols: tuple[str, ...], dialect: Dialect, skip_existing: tuple[str, ...]
              ) -> tuple[str, tuple[str, ...], list[tuple[str, Callable]], dict[str, Any]]:
    left = [c.name for c in table.columns if c.name not in cols and c.default is not None and callable(c.default.arg)]
    if left:  # SQLAlchemy would compute them per row; here every row must carry them
        raise ValueError(f"insert_many into {table.name}: give a value for {', '.join(left)}")
    stmt = insert(table)
    if skip_existing:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        stmt = dialect_insert(table).on_conflict_do_nothing(index_elements=[table.c[c] for c in skip_existing])
    compiled = stmt.compile(dialect=dialect, column_keys=list(cols))
    order = tuple(compiled.positiontup) if dialect.positional else tuple(compiled.binds)
    fill = {c: table.c[c].default.arg for c in order if c not in cols}
    converters = [(c, f) for c in order if (f := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))]
    return compiled.string, order, converters, fill
