"""Migration 0015 (issue 25 item 5): a database of the previous release gains the table of
requests to a supervisor; its callbacks, attempts and audit rows stay as they were, and a request
can be asked and approved on it. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, text

from huifang_tui.services import requests as req
from huifang_tui.services.base import Actor, Store
from huifang_tui.store import db, migrate, revision
from huifang_tui.store.models import Callback

from conftest import NOW


def _previous_release(url: str):
    engine = db.make_engine(url, **({"foreign_keys": False} if url.startswith("sqlite") else {}))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0014_issue_event_timeline")
        for login, role, name in (("agent1", "agent", "陈晓雯"), ("sup1", "supervisor", "周主管")):
            conn.execute(text("INSERT INTO app_user (login, name, role, active, created_at) VALUES "
                              "(:l, :n, :r, :t, :now)"), {"l": login, "n": name, "r": role, "t": True, "now": NOW})
        conn.execute(text("INSERT INTO customer (id, name, tier, is_member, region, created_at, updated_at) "
                          "VALUES (1, '华东机械', 'standard', :t, '', :now, :now)"), {"t": True, "now": NOW})
        conn.execute(text(
            "INSERT INTO callback (id, number, customer_id, kind, trigger_ref, channel, assignee, agent_login, "
            "priority, due_on, deadline_on, estimated, status, attempts, contact_name, reached_name, "
            "reached_position, answers, suggestions, improvement, needs, sales_lead, competitor, needs_onsite, "
            "negative_feedback, follow_status, note, deferred_reason, version, created_at, updated_at, "
            "planned_due_on) VALUES (1, 'HF202611001', 1, 'completion', 'wo:SX1', 'phone', 'agent', 'agent1', 20, "
            "'2026-11-23', '2026-11-23', :f, 'open', 1, '王经理', '', '', '', '', '', '', :f, '', :f, :f, '', "
            "'客户上午方便', '', 3, :now, :now, '2026-11-23')"), {"f": False, "now": NOW})
        conn.execute(text("INSERT INTO call_attempt (callback_id, at, agent_login, outcome, reached_name, "
                          "reached_position, note, reason, late_entry) VALUES (1, :at, 'agent1', 'no_answer', '', "
                          "'', '', '', :f)"), {"at": NOW.replace(hour=9, minute=0), "f": False})
    return engine


def test_the_upgrade_adds_requests_and_keeps_every_row(db_url):
    engine = _previous_release(db_url)
    with engine.connect() as conn:
        assert "supervisor_request" not in inspect(conn).get_table_names()
    with engine.begin() as conn:
        migrate.upgrade(conn)
    with engine.connect() as conn:
        assert db.stored_revision(conn) == revision.HEAD  # the upgrade reaches the newest revision
        assert "supervisor_request" in inspect(conn).get_table_names()
        cb = conn.execute(text("SELECT number, attempts, version, note FROM callback")).one()
        assert tuple(cb) == ("HF202611001", 1, 3, "客户上午方便")
        assert conn.execute(text("SELECT count(*) FROM call_attempt")).scalar() == 1

    st = Store(db_url, clock=lambda: NOW, engine=engine)
    agent, sup = Actor("agent1", "agent", "陈晓雯"), Actor("sup1", "supervisor", "周主管")
    wanted = datetime(2026, 11, 24, 10, 0)
    view = req.ask(st, agent, "HF202611001", "reschedule", wanted, "客户出差")
    req.approve(st, sup, view.id)
    with st.read() as s:
        assert s.get(Callback, 1).next_attempt_at == wanted
    db.dispose(engine)
