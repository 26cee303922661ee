"""Issue 9: every rule holds in the services, whatever the door (SPEC §3, §6, §7)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.core.errors import Conflict, NotFound, PermissionDenied, Refused, ValidationError
from huifang_tui.core.identity import SYSTEM
from huifang_tui.services.calls import open_call, release
from huifang_tui.services.listing import list_callbacks
from huifang_tui.services.planner import run_planner
from huifang_tui.services.queue import queue_rows
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.stale import lapse
from huifang_tui.services.users import add_user as svc_add_user
from huifang_tui.services.users import set_active, set_role
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback, Customer, Sale

from conftest import NOW
from factories import add_callback, add_customer, add_user

DONE = CallRecord(outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5)


@pytest.fixture
def two(store):
    """One customer of agent1 with two callbacks due today (one phone call), plus agent2."""
    agent = add_user(store, "agent1")
    other = add_user(store, "agent2")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=date(2026, 11, 26))
    add_callback(store, cid, "HF202611002", kind="usage", deadline_on=date(2026, 11, 27))
    return store, agent, other


def _cb(store, number) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


def _at(store, moment: datetime) -> None:
    store.clock = lambda: moment


# -- a claim covers the customer -----------------------------------------------------


def test_claim_covers_every_callback_of_the_customer(two):
    store, agent, other = two
    sup = add_user(store, "sup1", "supervisor")
    open_call(store, agent, "HF202611001", pid=1)  # pid 1 is alive: a live process holds it
    for act in (lambda: open_call(store, sup, "HF202611002"),
                lambda: record_attempt(store, sup, "HF202611002", DONE)):
        with pytest.raises(Conflict, match="agent1"):
            act()
    release(store, agent, "HF202611001", pid=1)
    open_call(store, sup, "HF202611002")  # released: the customer is free


def test_claim_expires(two):
    store, agent, _ = two
    sup = add_user(store, "sup1", "supervisor")
    open_call(store, agent, "HF202611001", pid=1)
    _at(store, NOW + timedelta(minutes=11))  # claims hold 10 minutes without a heartbeat
    open_call(store, sup, "HF202611002")


# -- attempt timing (SPEC §3) ----------------------------------------------------------


def test_not_reached_again_is_refused_until_the_next_attempt_is_allowed(two):
    store, agent, _ = two
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert res.next_attempt_at == datetime(2026, 11, 24, 8, 30)  # the next working day's first hour
    _at(store, NOW + timedelta(minutes=1))
    with pytest.raises(Refused, match="2026-11-24 08:30"):
        record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert _cb(store, "HF202611001").attempts == 1  # three quick no-answers no longer make it unreachable
    # a reached customer can always be recorded
    assert record_attempt(store, agent, "HF202611001", DONE).status == "completed"


def test_busy_retry_moves_out_of_the_lunch_break(two):
    store, agent, _ = two
    _at(store, datetime(2026, 11, 23, 10, 30))
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="busy"))
    assert res.next_attempt_at == datetime(2026, 11, 23, 13, 30)  # +2 h = 12:30, inside the break


@pytest.mark.parametrize("when, match", [
    (NOW + timedelta(minutes=5), "晚于现在"),           # the future
    (datetime(2019, 11, 23, 10), "早于这条回访所依据的事件"),  # years before the sale it follows
])
def test_stated_time_is_not_in_the_future_nor_before_the_trigger(store, when, match):
    agent = add_user(store, "agent1")
    cid = add_customer(store, "杭州恒达机械有限公司")
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=date(2026, 11, 20)))
    add_callback(store, cid, "HF202611001", kind="first_sale", trigger="sale:HT001")
    with pytest.raises(Refused, match=match):
        record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer", at=when))


def test_stated_time_never_goes_back_from_the_last_attempt(two):
    store, agent, _ = two
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="reschedule", to=datetime(2026, 11, 23, 15)))
    with pytest.raises(Refused, match="上一次拨打"):
        record_attempt(store, agent, "HF202611001", CallRecord(**{**DONE.__dict__, "at": NOW - timedelta(hours=1)}))


def test_not_reached_covers_the_customers_call_and_completion_only_its_number(two):
    store, agent, _ = two
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert res.also == ["HF202611002"]
    assert _cb(store, "HF202611002").attempts == 1
    _at(store, datetime(2026, 11, 24, 9))
    res = record_attempt(store, agent, "HF202611001", DONE)
    assert res.also == [] and _cb(store, "HF202611002").status == "open"


def test_late_entry_keeps_both_times_and_is_marked(two):
    store, agent, _ = two
    _at(store, datetime(2026, 11, 26, 9))  # Thursday: Monday's call typed in three working days later
    res = record_attempt(store, agent, "HF202611001", CallRecord(**{**DONE.__dict__, "at": NOW}))
    assert res.late_entry
    with store.read() as s:
        att = s.exec(select(CallAttempt)).one()
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "callback.completed")).one()
    assert (att.at, att.entered_at, att.late_entry) == (NOW, datetime(2026, 11, 26, 9), True)
    assert json.loads(entry.after)["late_entry"] is True
    [row] = [r for r in list_callbacks(store, agent) if r.row.number == "HF202611001"]
    assert row.late_entry and row.as_json()["late_entry"] is True
    # the next working day is not late
    _at(store, datetime(2026, 11, 27, 17))
    res = record_attempt(store, agent, "HF202611002", CallRecord(**{**DONE.__dict__, "at": datetime(2026, 11, 26, 10)}))
    assert not res.late_entry


# -- the acting user, checked in every transaction (SPEC §6) ----------------------------


def test_disabled_user_is_refused_at_the_next_action(two, admin):
    store, agent, _ = two
    view = open_call(store, agent, "HF202611001")
    set_active(store, admin, "agent1", False)
    with pytest.raises(PermissionDenied, match="停用"):
        record_attempt(store, agent, view.callback.number, DONE)
    with pytest.raises(PermissionDenied):
        queue_rows(store, agent, NOW.date())
    set_active(store, admin, "agent1", True)
    set_role(store, admin, "agent1", "supervisor")
    with pytest.raises(PermissionDenied, match="角色"):  # started as an agent: reopen the desk
        queue_rows(store, agent, NOW.date())


def test_plan_as_a_command_needs_a_supervisor(two):
    store, agent, _ = two
    with pytest.raises(PermissionDenied):
        run_planner(store, actor=agent)
    run_planner(store, actor=add_user(store, "sup1", "supervisor"))
    run_planner(store)  # automatic runs act as the system


# -- users --------------------------------------------------------------------------------


def test_user_add_refuses_an_existing_login(store, admin):
    svc_add_user(store, admin, "agent1", "agent", "张三")
    set_active(store, admin, "agent1", False)
    with pytest.raises(Conflict, match="user enable"):
        svc_add_user(store, admin, "agent1", "agent", "张三")
    with store.read() as s:
        assert not s.exec(select(Customer)).all()
    assert [u for u in list_users_(store) if u.login == "agent1"][0].active is False  # not silently re-enabled


def list_users_(store):
    from huifang_tui.services.users import list_users

    from huifang_tui.core.identity import SYSTEM

    return list_users(store, SYSTEM)


def test_last_active_admin_is_neither_disabled_nor_demoted(store, admin):
    with pytest.raises(Refused):
        set_active(store, admin, "admin1", False)
    with pytest.raises(Refused):
        set_role(store, admin, "admin1", "agent")
    second = add_user(store, "admin2", "admin")
    set_role(store, second, "admin1", "supervisor")  # another admin remains: allowed, audited
    with store.read() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "user.role")).one().entity_id == "admin1"


def test_user_changes_need_an_admin(store, admin):
    sup = add_user(store, "sup1", "supervisor")
    with pytest.raises(PermissionDenied):
        set_active(store, sup, "admin1", False)
    with pytest.raises(NotFound):
        set_active(store, admin, "nobody", False)


def test_disabled_agents_work_stays_theirs_and_new_work_goes_to_the_pool(two, admin):
    store, _, _ = two
    set_active(store, admin, "agent1", False)
    assert _cb(store, "HF202611001").agent_login == "agent1"  # stays theirs, flagged
    with store.read() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "alert.reassign")).one().entity_id == "agent1"
        cid = s.exec(select(Customer)).one().id
    with store.write() as s:
        s.add(Sale(contract_no="HT009", customer_id=cid, sold_on=date(2026, 11, 20)))
    run_planner(store)
    with store.read() as s:
        new = s.exec(select(Callback).where(Callback.trigger_ref == "sale:HT009")).one()
    assert new.agent_login is None  # the pool


# -- stale work and history (SPEC §7) --------------------------------------------------------


@pytest.fixture
def overdue(store):
    agent = add_user(store, "agent1")
    sup = add_user(store, "sup1", "supervisor")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202609001", kind="quarterly", trigger="cb:HF202606001",
                 due_on=date(2026, 9, 1), deadline_on=date(2026, 10, 1))
    add_callback(store, cid, "HF202611001", deadline_on=date(2026, 11, 26))  # not overdue
    return store, agent, sup


def test_lapse_is_for_supervisors_and_all_or_nothing(overdue):
    store, agent, sup = overdue
    with pytest.raises(PermissionDenied):
        lapse(store, agent, ["HF202609001"], "联系不上")
    with pytest.raises(Conflict, match="HF202611001"):
        lapse(store, sup, ["HF202609001", "HF202611001"], "联系不上")
    assert _cb(store, "HF202609001").status == "open"  # nothing changed
    with pytest.raises(ValidationError):
        lapse(store, sup, ["HF202609001"], "  ")
    assert lapse(store, sup, ["HF202609001"], "客户停业") == ["HF202609001"]
    cb = _cb(store, "HF202609001")
    assert cb.status == "lapsed" and "客户停业" in cb.note
    assert "HF202609001" not in [r.number for r in queue_rows(store, sup, NOW.date(), all_agents=True)]
    with pytest.raises(Conflict):  # only open or waiting work
        lapse(store, sup, ["HF202609001"], "again")


def test_chain_continues_past_a_lapsed_link_from_its_deadline(overdue):
    store, _, sup = overdue
    lapse(store, sup, ["HF202609001"], "客户停业")
    with store.read() as s:
        nxt = s.exec(select(Callback).where(Callback.trigger_ref == "cb:HF202609001")).one()
    # 10-01 + 3 months (2027 has no official calendar yet: Mon–Fri, so Fri 01-01 counts)
    assert (nxt.kind, nxt.due_on) == ("quarterly", date(2027, 1, 1))


@pytest.mark.parametrize("outcome", ["refused"])
def test_chain_continues_past_a_refused_link(overdue, outcome):
    store, agent, _ = overdue
    record_attempt(store, agent, "HF202609001", CallRecord(outcome=outcome, reason="客户不需要回访"))
    with store.read() as s:
        assert s.exec(select(Callback).where(Callback.trigger_ref == "cb:HF202609001")).one().kind == "quarterly"


def test_chain_continues_past_an_unreachable_link(overdue):
    store, agent, _ = overdue
    for day in (23, 24, 25):
        _at(store, datetime(2026, 11, day, 9))
        record_attempt(store, agent, "HF202609001", CallRecord(outcome="no_answer"))
    assert _cb(store, "HF202609001").status == "unreachable"
    with store.read() as s:
        assert s.exec(select(Callback).where(Callback.trigger_ref == "cb:HF202609001")).one().kind == "quarterly"


def test_stale_work_alerts_the_supervisor(overdue):
    store, _, _ = overdue
    run_planner(store)  # deadline 10-01 + 30 days passed since the first run's window start
    with store.read() as s:
        alert = s.exec(select(AuditEntry).where(AuditEntry.action == "alert.stale")).one()
    assert "HF202609001" in json.loads(alert.after)["numbers"]
    assert SYSTEM.login == alert.login


# -- huifang callbacks -----------------------------------------------------------------------


def test_listing_scope_status_and_month(overdue):
    store, agent, sup = overdue
    add_user(store, "agent2")
    cid = add_customer(store, "苏州新源环保科技有限公司", agent="agent2")
    add_callback(store, cid, "HF202611009", agent="agent2")
    lapse(store, sup, ["HF202609001"], "客户停业")
    mine = {r.row.number for r in list_callbacks(store, agent)}
    assert "HF202611009" not in mine and {"HF202609001", "HF202611001"} <= mine
    with pytest.raises(PermissionDenied):
        list_callbacks(store, agent, agent="agent2")
    assert [r.row.number for r in list_callbacks(store, sup, agent="agent2")] == ["HF202611009"]
    assert [r.row.status for r in list_callbacks(store, sup, status="lapsed")] == ["lapsed"]
    sept = list_callbacks(store, sup, month=date(2026, 9, 1))  # by planned_due_on, not the moved due_on
    assert [r.row.number for r in sept] == ["HF202609001"]
    keys = set(sept[0].as_json())
    assert {"status", "planned_due_on", "completed_at", "score_resolution", "score_attitude", "late_entry",
            "agent", "number", "kind", "customer", "phone", "due_on", "deadline"} <= keys
    assert sept[0].as_json()["phone"] == "138****5678"
