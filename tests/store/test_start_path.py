"""Nothing on an agent's start path grows with the centre (issue 16 item 10).

Every query that opening the app runs for an agent — the first paint read without the ORM
(store/fastread.py) and the queue's first refresh through the services — must read its rows
through an index bounded by that agent: their own rows, the pool's, one customer's or one
callback's. A range over the whole centre's callbacks or attempts (say, "everything completed
today") costs more the larger the centre, which is how the queue's "done today" used to be
counted. Checked on the plans SQLite chooses (EXPLAIN QUERY PLAN), never on timings.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime

import pytest
from sqlalchemy import event

from huifang_tui.demo import build_demo
from huifang_tui.services.base import Store
from huifang_tui.services.calendar import load_calendar
from huifang_tui.services.queue import queue_progress, queue_rows
from huifang_tui.services.users import resolve_actor
from huifang_tui.store import fastread

pytestmark = pytest.mark.sqlite_only

NOW = datetime(2026, 11, 23, 9, 30)
# Tables that grow with the centre (customers, their facts, callbacks and everything done on them).
LARGE = {"customer", "contact", "work_order", "sale", "non_member_event", "callback", "call_attempt", "call_draft",
         "issue", "issue_event", "audit_entry", "report_snapshot", "spot_check"}
# An index search on a large table is bounded when its first constraint is one of these.
BOUNDED_BY = ("agent_login=?", "login=?", "customer_id=?", "callback_id=?", "rowid=?", "id=?", "number=?")
_SEARCH = re.compile(r"^SEARCH (\w+)(?: AS \w+)? USING (?:COVERING )?(?:INDEX \w+|INTEGER PRIMARY KEY) \((.*)\)$")
_SCAN = re.compile(r"^SCAN (\w+)")


def unbounded(conn: sqlite3.Connection, sql: str, params=()) -> list[str]:  # noqa: ANN001
    """The steps of a statement's plan that read a large table without an agent-bounded index."""
    table = {alias: name for name, alias in re.findall(r"(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)", sql, re.I)}
    bad = []
    for *_ids, detail in conn.execute("EXPLAIN QUERY PLAN " + sql, params):
        m = _SEARCH.match(detail)
        if m and table.get(m.group(1), m.group(1)) in LARGE and not m.group(2).startswith(BOUNDED_BY):
            bad.append(detail)
        m = _SCAN.match(detail)
        if m and table.get(m.group(1), m.group(1)) in LARGE:
            bad.append(detail)
    return bad


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    path = tmp_path_factory.mktemp("start") / "demo.db"
    store = Store("sqlite:///" + str(path), clock=lambda: NOW)
    store.ensure_schema()
    build_demo(store, date(2026, 11, 23), seed=7)
    return store, str(path)


def test_the_check_catches_a_centre_wide_read(centre):
    """The rule itself: reading every callback completed today is what it must refuse."""
    _store, path = centre
    conn = fastread.connect(path)
    sql = ("SELECT count(*) FROM callback cb WHERE cb.status = 'completed' AND cb.completed_at >= ?"
           " AND cb.completed_at <= ?")
    assert unbounded(conn, sql, ("2026-11-23 00:00:00", "2026-11-23 23:59:59"))
    assert not unbounded(conn, "SELECT count(*) FROM callback WHERE agent_login = ? AND status = 'open'", ("agent1",))


@pytest.mark.parametrize("login", ["agent1", "agent2"])
def test_first_paint_reads_only_the_agents_rows(centre, login):
    _store, path = centre
    conn = fastread.connect(path)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)  # the statements with their values filled in
    fastread.is_initialised(conn)
    fastread.stored_revision(conn)
    fastread.setting(conn, "demo")
    user = fastread.user(conn, login)
    rows, progress = fastread.queue_snapshot(conn, login, user[2], NOW)
    fastread.calendar(conn)
    conn.set_trace_callback(None)
    assert rows and any("call_attempt" in sql for sql in seen)  # the "done today" count ran
    check = fastread.connect(path)
    assert {sql: unbounded(check, sql) for sql in seen if sql.lstrip().upper().startswith("SELECT")} == {
        sql: [] for sql in seen if sql.lstrip().upper().startswith("SELECT")}


def test_done_today_is_counted_from_the_agents_own_attempts(centre):
    _store, path = centre
    conn = fastread.connect(path)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    fastread.progress(conn, "agent1", "agent", NOW, [])
    (sql,) = [s for s in seen if "call_attempt" in s]
    plan = " / ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "ix_call_attempt_agent_at (agent_login=? AND at>? AND at<?)" in plan, plan


@pytest.mark.parametrize("login", ["agent1", "agent2"])
def test_queue_refresh_reads_only_the_agents_rows(centre, login):
    store, path = centre
    actor = resolve_actor(store, login)
    seen: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, tuple(parameters)))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        queue_rows(store, actor, NOW.date(), now=NOW)
        queue_progress(store, actor, NOW.date(), now=NOW)
        with store.read() as s:
            load_calendar(s)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert any("call_attempt" in sql for sql, _ in seen)  # done today and unreachable today ran
    check = fastread.connect(path)
    assert {sql: unbounded(check, sql, params) for sql, params in seen} == {sql: [] for sql, _ in seen}
