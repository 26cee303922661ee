"""The floor for ``huifang record``: import sqlmodel, then one write transaction on the callback.

Usage::

    python benchmarks/record_floor.py DB NUMBER

What any program that records through SQLModel must pay at least: the interpreter, the ORM's
import (sqlmodel, SQLAlchemy, pydantic), an engine, and one ``BEGIN IMMEDIATE`` … ``COMMIT``
that updates the callback and adds one audit row. ``bench_record.py`` times ``huifang record``
against it, side by side.
"""

from __future__ import annotations

import sys
from datetime import datetime

import sqlmodel
from sqlalchemy import text


def main(db: str, number: str) -> int:
    engine = sqlmodel.create_engine("sqlite:///" + db)
    now = datetime.now().replace(microsecond=0)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA busy_timeout=30000")
        c.exec_driver_sql("BEGIN IMMEDIATE")
        cid = c.execute(text("SELECT id FROM callback WHERE number = :n"), {"n": number}).scalar_one()
        c.execute(text("UPDATE callback SET version = version + 1, updated_at = :now WHERE id = :id"),
                  {"now": now, "id": cid})
        c.execute(text("INSERT INTO audit_entry (at, login, action, entity, entity_id, before, after)"
                       " VALUES (:now, 'floor', 'bench.floor', 'callback', :id, '', '')"), {"now": now, "id": str(cid)})
        c.exec_driver_sql("COMMIT")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
