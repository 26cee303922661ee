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
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, column names of ``table``) into ``table``."""
    if not rows:
        return
    sql, order, positional, converters, fill = _compiled(table, tuple(rows[0]), conn.dialect)
    if fill:  # columns left out that have a plain default: the compiled INSERT names them too
        rows = [{**fill, **r} for r in rows]
    if positional:
        params: list = [tuple(r[c] for c in order) for r in rows]
        if converters:
            params = [tuple(f(v) if f is not None and v is not None else v for f, v in zip(converters, p))
                      for p in params]
    else:
        params = [dict(r) for r in rows]
        for i, c in enumerate(order):
            f = converters[i] if converters else None
            if f is not None:
                for p in params:
                    if p[c] is not None:
                        p[c] = f(p[c])
    conn.exec_driver_sql(sql, params)


@lru_cache(maxsize=16)
def _compiled(table: Table, cols: tuple[str, ...], dialect: Dialect
              ) -> tuple[str, tuple[str, ...], bool, tuple[Callable | None, ...] | None, dict[str, Any]]:
    left = [c.name for c in table.columns if c.name not in cols and c.default is not None and callable(c.default.arg)]
    if left:  # SQLAlchemy would compute them per row; here every row must carry them
        raise ValueError(f"insert_many into {table.name}: give a value for {', '.join(left)}")
    compiled = insert(table).compile(dialect=dialect, column_keys=list(cols))
    order = tuple(compiled.positiontup) if dialect.positional else tuple(compiled.binds)
    fill = {c: table.c[c].default.arg for c in order if c not in cols}
    converters = tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in order)
    return compiled.string, order, dialect.positional, converters if any(converters) else None, fill
