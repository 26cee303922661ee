"""The planner's driver-level insert (store/bulk.py) stores exactly what the ORM stores."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert, select

from huifang_tui.store.bulk import insert_many
from huifang_tui.store.models import Callback

from factories import add_customer


def _row(cid: int, number: str, ref: str, **over) -> dict:
    row = {
        "number": number, "customer_id": cid, "kind": "completion", "trigger_ref": ref, "work_order_id": None,
        "channel": "phone", "assignee": "agent", "agent_login": None, "priority": 30,
        "due_on": date(2026, 11, 24), "planned_due_on": date(2026, 11, 24), "deadline_on": date(2026, 11, 26),
        "deadline_at": datetime(2026, 11, 26, 17, 30, 5, 123456), "estimated": True, "status": "open",
        "attempts": 0, "contact_name": "张三 'O\"Neil' %s ?", "created_at": datetime(2026, 11, 23, 9, 30),
        "updated_at": datetime(2026, 11, 23, 9, 30), "sales_lead": False, "version": 0,
    }
    row.update(over)
    return row


def test_same_values_as_the_orm(store):
    cid = add_customer(store, "杭州恒达机械有限公司")
    with store.write() as s:
        s.execute(insert(Callback.__table__), [_row(cid, "HF202611001", "wo:A")])
        insert_many(s.connection(), Callback.__table__, [_row(cid, "HF202611002", "wo:B"),
                                                         _row(cid, "HF202611003", "wo:C", deadline_at=None)])
    with store.read() as s:
        cols = [c for c in Callback.__table__.columns if c.name not in ("id", "number", "trigger_ref")]
        got = {r[0]: r[1:] for r in s.execute(select(Callback.number, *cols))}
        if store.engine.dialect.name == "sqlite":  # the very text SQLite holds, not only the typed value
            raw = dict(s.connection().exec_driver_sql(
                "SELECT number, deadline_at || '|' || created_at || '|' || due_on || '|' || estimated FROM callback").all())
            assert raw["HF202611001"] == raw["HF202611002"]
    assert got["HF202611001"] == got["HF202611002"]
    loaded = dict(zip([c.name for c in cols], got["HF202611002"]))
    assert loaded["deadline_at"] == datetime(2026, 11, 26, 17, 30, 5, 123456)
    assert loaded["contact_name"] == "张三 'O\"Neil' %s ?" and loaded["estimated"] is True
    assert got["HF202611003"][[c.name for c in cols].index("deadline_at")] is None


def test_a_column_with_a_computed_default_must_be_given(store):
    cid = add_customer(store, "杭州恒达机械有限公司")
    row = _row(cid, "HF202611001", "wo:A")
    del row["planned_due_on"]
    with store.write() as s, pytest.raises(ValueError, match="planned_due_on"):
        insert_many(s.connection(), Callback.__table__, [row])
