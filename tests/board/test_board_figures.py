"""The board's figures on a fixed fixture (issue 12 §2: done / remaining / due / overdue /
unreachable / day_closed per login and for ``_pool``; alerts with ``since``), and the queue
header and the day close counting the same way."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from conftest import NOW
from factories import add_callback, add_customer, add_user
from sqlmodel import select

from huifang_tui.services.base import Actor
from huifang_tui.services.alerts import ALERT_SOURCES, Alert
from huifang_tui.services.board import board
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.issues import raise_issue
from huifang_tui.services.dayclose import close_day
from huifang_tui.services.queue import queue_progress
from huifang_tui.store.models import Callback, User

D = NOW.date()  # 2026-11-23, 09:30
DONE = {"outcome": "completed", "reached_name": "王经理"}


@pytest.fixture
def world(store):
    agent1, agent2 = add_user(store, "agent1"), add_user(store, "agent2")
    add_user(store, "agent3")
    sup = add_user(store, "supervisor", "supervisor")
    c = {n: add_customer(store, f"客户{n}") for n in range(1, 10)}
    add_callback(store, c[1], "HF202611001", deadline_on=date(2026, 11, 27))               # agent1: completes, low score
    add_callback(store, c[2], "HF202611002", deadline_on=date(2026, 11, 20), due_on=date(2026, 11, 18))  # agent1 overdue
    add_callback(store, c[3], "HF202611003", due_on=date(2026, 11, 24))                    # agent1, tomorrow
    add_callback(store, c[4], "HF202611004", agent=None, deadline_on=date(2026, 11, 27))   # the pool
    add_callback(store, c[5], "HF202611005", agent=None, deadline_on=date(2026, 11, 27))   # pool, agent2 completes
    add_callback(store, c[6], "HF202611006", deadline_on=date(2026, 11, 27))               # agent1's, supervisor completes
    add_callback(store, c[7], "HF202611007", agent="agent2", deadline_on=date(2026, 11, 27))  # becomes unreachable
    add_callback(store, c[8], "HF202611008", agent="agent3", deadline_on=date(2026, 11, 27))  # owner gets disabled
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611007")).one()
        cb.attempts = 2
        s.add(cb)
        u = s.exec(select(User).where(User.login == "agent3")).one()
        u.active = False
        s.add(u)
    record_attempt(store, agent1, "HF202611001", CallRecord(**DONE, score_resolution=2, score_attitude=4))
    record_attempt(store, agent2, "HF202611005", CallRecord(**DONE, score_resolution=5, score_attitude=5))
    record_attempt(store, sup, "HF202611006", CallRecord(**DONE, score_resolution=4, score_attitude=4))
    record_attempt(store, agent2, "HF202611007", CallRecord(outcome="no_answer"))
    raise_issue(store, agent1, "HF202611002", title="设备反复报警", is_complaint=True)
    return store, sup


def test_board_figures(world):
    store, sup = world
    data = board(store, sup, D).as_json()
    assert data["date"] == "2026-11-23"
    assert data["agents"] == {
        # agent1: 001 completed (done); 002 open, overdue since 11-21 (remaining); 003 not due yet;
        # 006 completed by the supervisor, so not agent1's done.
        "agent1": {"due": 2, "attempted": 1, "done": 1, "remaining": 1, "deferred": 0, "overdue": 1,
                   "unreachable": 0, "day_closed": False},
        # agent2: the pool item it completed is its done; 007 became unreachable today: tried, so it
        # stays in the day's due (issue 25 item 1; it dropped out before).
        "agent2": {"due": 2, "attempted": 2, "done": 1, "remaining": 0, "deferred": 0, "overdue": 0,
                   "unreachable": 1, "day_closed": False},
        # agent3 is disabled but still holds open work: it stays on the board.
        "agent3": {"due": 1, "attempted": 0, "done": 0, "remaining": 1, "deferred": 0, "overdue": 0,
                   "unreachable": 0, "day_closed": False},
        "supervisor": {"due": 1, "attempted": 1, "done": 1, "remaining": 0, "deferred": 0, "overdue": 0,
                       "unreachable": 0, "day_closed": False},
        # the pool: HF202611004 and the low-score follow-up nobody is set to take (no followup_login)
        "_pool": {"due": 2, "attempted": 0, "done": 0, "remaining": 2, "deferred": 0, "overdue": 0,
                  "unreachable": 0, "day_closed": None},
    }


def test_board_alerts(world):
    store, sup = world
    alerts = {(a["kind"], a["number"]): a for a in board(store, sup, D).as_json()["alerts"]}
    followup = next(k for k in alerts if k[0] == "low_score_followup")
    assert alerts[followup]["agent"] is None and alerts[followup]["since"] == "2026-11-23T09:30:00"
    assert alerts[("low_score", "HF202611001")] == {
        "kind": "low_score", "number": "HF202611001", "customer": "客户1", "agent": "agent1",
        "since": "2026-11-23T09:30:00"}
    assert alerts[("overdue", "HF202611002")]["since"] == "2026-11-21T00:00:00"
    assert alerts[("unreachable", "HF202611007")]["agent"] == "agent2"
    assert alerts[("disabled_owner", "HF202611008")]["agent"] == "agent3"
    complaint = next(v for k, v in alerts.items() if k[0] == "complaint")
    assert complaint["customer"] == "客户2" and complaint["agent"] == "agent1"
    assert {k[0] for k in alerts} == {"low_score_followup", "low_score", "overdue", "unreachable",
                                      "complaint", "disabled_owner", "summary_due"}
    # October's summary was never approved: due since its last working day (000 §4.9)
    assert alerts[("summary_due", "2026-10")]["since"] == "2026-10-30T00:00:00"


def test_issue_alerts_at_risk_then_escalated(world):
    """SPEC §3: a normal issue is acknowledged within 24 h; at 75 % of that time it is at risk,
    past it the level rises (部门负责人) and the board lists it as escalated."""
    store, sup = world
    raise_issue(store, sup, "HF202611003", title="配件未到", priority="normal")
    number = next(a["number"] for a in board(store, sup, D).as_json()["alerts"] if a["kind"] == "complaint")

    def kinds(at):
        return {(a["kind"], a["number"]): a for a in board(store, sup, at.date(), now=at).as_json()["alerts"]
                if a["kind"].startswith("issue_")}

    assert kinds(datetime(2026, 11, 23, 20, 0)) == {}                    # 10.5 h of 24 h used
    risky = kinds(datetime(2026, 11, 24, 4, 0))                          # 18.5 h used: at risk
    [(kind, new)] = risky
    assert kind == "issue_at_risk" and new != number                     # the complaint is its own alert
    assert risky[(kind, new)]["since"] == "2026-11-24T03:30:00"
    late = kinds(datetime(2026, 11, 24, 10, 0))                          # the 24 h have passed
    assert list(late) == [("issue_escalated", new)]
    assert late[("issue_escalated", new)]["since"] == "2026-11-24T09:30:00"


def test_summary_due_from_the_last_working_day_until_approved(world):
    from huifang_tui.domain.kpi import Month
    from huifang_tui.services.report import approve

    store, sup = world
    def due(day):
        return sorted(a["number"] for a in board(store, sup, day, now=datetime.combine(day, datetime.min.time()))
                      .as_json()["alerts"] if a["kind"] == "summary_due")

    assert due(date(2026, 11, 27)) == ["2026-10"]                        # November not over yet
    assert due(date(2026, 11, 30)) == ["2026-10", "2026-11"]             # 11-30: November's last working day
    approve(store, sup, Month(2026, 10))
    assert due(date(2026, 11, 30)) == ["2026-11"]


def test_a_past_day_is_judged_at_its_end(world):
    store, sup = world
    # On 11-20 (the deadline day) HF202611002 was due and not yet overdue; nothing was done then.
    data = board(store, sup, date(2026, 11, 20), now=NOW).as_json()
    assert data["agents"]["agent1"] == {"due": 1, "attempted": 0, "done": 0, "remaining": 1, "deferred": 0,
                                        "overdue": 0, "unreachable": 0, "day_closed": False}
    data = board(store, sup, date(2026, 11, 21), now=NOW).as_json()
    assert data["agents"]["agent1"]["overdue"] == 1


def test_queue_header_and_day_close_count_as_the_board(world):
    store, sup = world
    agent1 = Actor("agent1", "agent", "agent1")
    fig = board(store, sup, D).as_json()["agents"]["agent1"]
    p = queue_progress(store, agent1, D)
    assert (p.done_today, p.due_today, p.overdue) == (fig["done"], fig["due"], fig["overdue"])
    assert p.pool == 1  # the pool is counted apart
    # 002 tried (busy: still due today); the untouched pool item never blocks the close.
    record_attempt(store, agent1, "HF202611002", CallRecord(outcome="busy"))
    summary = close_day(store, agent1, D)
    after = board(store, sup, D).as_json()["agents"]["agent1"]
    assert (summary.due, summary.completed, summary.overdue) == (after["due"], after["done"], after["overdue"])
    assert after["day_closed"] is True
    p = queue_progress(store, agent1, D)
    assert (p.done_today, p.due_today) == (after["done"], after["due"])


def test_stale_work_alerts_after_stale_days(world):
    store, sup = world
    # HF202611002's deadline is 11-20: overdue now, stale (policy stale_days = 30) from 12-21 on.
    kinds = {(a["kind"], a["number"]) for a in board(store, sup, D).as_json()["alerts"]}
    assert ("stale", "HF202611002") not in kinds
    later = datetime(2026, 12, 21, 9, 0)
    alerts = board(store, sup, later.date(), now=later).as_json()["alerts"]
    stale = [a for a in alerts if a["kind"] == "stale"]
    assert [a["number"] for a in stale] == ["HF202611002"]
    assert stale[0]["since"] == "2026-12-21T00:00:00"


def test_a_new_alert_kind_is_one_small_function(world, monkeypatch):
    store, sup = world

    def stale(s, ctx):
        return [Alert("stale", "HF202611003", "客户3", "agent1", datetime(2026, 11, 1))]

    monkeypatch.setitem(ALERT_SOURCES, "stale", stale)
    kinds = [a["kind"] for a in board(store, sup, D).as_json()["alerts"]]
    assert "stale" in kinds


def test_agent_state_and_time_in_state(world):
    from huifang_tui.services.calls import open_call

    store, sup = world
    rows = {r.login: r for r in board(store, sup, D).rows}
    assert (rows["agent1"].state, rows["agent1"].state_since) == ("idle", NOW)  # since the last attempt
    assert rows["agent3"].active is False
    open_call(store, Actor("agent2", "agent", "agent2"), "HF202611004")  # a pool item, on the phone now
    rows = {r.login: r for r in board(store, sup, D).rows}
    assert (rows["agent2"].state, rows["agent2"].calling) == ("calling", "HF202611004")
    close_day(store, Actor("agent2", "agent", "agent2"), D)
    rows = {r.login: r for r in board(store, sup, D).rows}
    assert rows["agent2"].state == "closed" and rows["agent2"].figures.day_closed is True


def test_calling_since_is_when_the_call_opened_not_the_last_key(world):
    """The claim's time follows the agent's keys (issue 21 §4); the board's "on a call since"
    stays the time the call was opened."""
    from datetime import timedelta

    from huifang_tui.services.calls import heartbeat
    from huifang_tui.services.calls import open_call

    store, sup = world
    agent2 = Actor("agent2", "agent", "agent2")
    open_call(store, agent2, "HF202611004")
    later = NOW + timedelta(minutes=7)
    store.clock = lambda: later
    assert heartbeat(store, agent2, "HF202611004", active_at=later).held
    row = {r.login: r for r in board(store, sup, D, now=later).rows}["agent2"]
    assert (row.state, row.state_since) == ("calling", NOW)
