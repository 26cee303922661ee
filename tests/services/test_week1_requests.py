"""Requests to a supervisor (issue 25 item 5) and the warning of a next attempt past the deadline
(item 4): the service, its permissions, and an approval that must not apply to a callback
changed meanwhile."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.core.errors import Conflict, NeedsSupervisor, PermissionDenied, Refused, ValidationError
from huifang_tui.services import requests as req
from huifang_tui.services.alerts import alerts_supervisor_request, BoardContext
from huifang_tui.services.assignment import assign
from huifang_tui.services.recording import CallRecord, defer, next_step, record_attempt
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback, SupervisorRequest

from conftest import NOW
from factories import add_callback, add_customer, add_user

TOMORROW = datetime(2026, 11, 24, 10, 0)


@pytest.fixture
def due_today(store):
    """agent1's callback whose deadline is today; a supervisor; another agent."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "sup1", "supervisor", "周主管")
    other = add_user(store, "agent2", "agent", "李明")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=NOW.date())
    return store, agent, sup, other


def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


def test_a_reschedule_past_the_deadline_is_refused_as_needing_a_supervisor(due_today):
    store, agent, _sup, _ = due_today
    with pytest.raises(NeedsSupervisor) as e:
        record_attempt(store, agent, "HF202611001", CallRecord(outcome="reschedule", to=TOMORROW))
    assert (e.value.kind, e.value.number, e.value.wanted) == ("reschedule", "HF202611001", TOMORROW)
    with pytest.raises(NeedsSupervisor) as e:
        defer(store, agent, "HF202611001", "客户出差")
    assert (e.value.kind, e.value.wanted) == ("defer", date(2026, 11, 24))
    assert isinstance(e.value, Refused)  # the command line still exits 2


def test_ask_keeps_the_reason_and_time_and_shows_on_the_board(due_today):
    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差，明天回来")
    assert (view.state, view.reason, view.wanted_at, view.agent_login) == ("pending", "客户出差，明天回来", TOMORROW,
                                                                          "agent1")
    with store.read() as s:
        alerts = alerts_supervisor_request(s, BoardContext(NOW.date(), NOW, NOW))
    assert [(a.kind, a.number, a.agent, a.data["request"]) for a in alerts] == [
        ("supervisor_request", "HF202611001", "agent1", view.id)]
    assert "客户出差，明天回来" in alerts[0].detail and "2026-11-24 10:00" in alerts[0].detail
    # asked again while it waits: the same request, the newest reason and time
    again = req.ask(store, agent, "HF202611001", "defer", date(2026, 11, 25), "改为推迟")
    assert again.id == view.id and again.kind == "defer" and again.reason == "改为推迟"
    assert [r.id for r in req.pending(store, sup)] == [view.id]


def test_ask_is_only_for_what_needs_a_supervisor(due_today):
    store, agent, sup, other = due_today
    add_callback(store, 1, "HF202611002", deadline_on=date(2026, 11, 30))
    with pytest.raises(Refused):  # inside the deadline: the agent does it themselves
        req.ask(store, agent, "HF202611002", "reschedule", TOMORROW, "客户要求")
    with pytest.raises(ValidationError):
        req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "  ")
    with pytest.raises(Refused):  # a supervisor does it themselves
        req.ask(store, sup, "HF202611001", "reschedule", TOMORROW, "客户要求")
    with pytest.raises(PermissionDenied):  # not theirs
        req.ask(store, other, "HF202611001", "reschedule", TOMORROW, "客户要求")


def test_approve_applies_the_reschedule_for_the_agent_audited_as_the_supervisor(due_today):
    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    done, said = req.approve(store, sup, view.id)
    assert done.state == "approved" and done.decided_by == "sup1"
    cb = _cb(store)
    assert cb.next_attempt_at == TOMORROW and cb.status == "open"
    assert "2026-11-24" in said or "明天" in said
    with store.read() as s:
        attempt = s.exec(select(CallAttempt)).one()
        actions = [a.action for a in s.exec(select(AuditEntry).where(AuditEntry.login == "sup1"))]
    assert (attempt.agent_login, attempt.outcome, attempt.rescheduled_to) == ("agent1", "reschedule", TOMORROW)
    assert "request.approve" in actions and "callback.reschedule" in actions
    with pytest.raises(Conflict):  # decided once
        req.refuse(store, sup, view.id)
    mine = req.my_requests(store, agent)
    assert [(m.state, m.decider) for m in mine] == [("approved", "周主管 (sup1)")]
    assert "周主管" in mine[0].answer_line()


def test_approve_applies_a_deferral(due_today):
    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "defer", date(2026, 11, 25), "客户出差")
    req.approve(store, sup, view.id)
    cb = _cb(store)
    assert cb.due_on == date(2026, 11, 25) and cb.deferred_reason == "客户出差"


def test_refuse_keeps_an_optional_answer_and_the_callback_untouched(due_today):
    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    before = _cb(store)
    done = req.refuse(store, sup, view.id, "今天下午再打一次")
    assert (done.state, done.answer) == ("refused", "今天下午再打一次")
    after = _cb(store)
    assert (after.version, after.due_on, after.next_attempt_at) == (before.version, before.due_on, before.next_attempt_at)
    view2 = req.ask(store, agent, "HF202611001", "defer", date(2026, 11, 25), "再试")
    assert req.refuse(store, sup, view2.id).answer == ""  # no reason is fine
    lines = [m.answer_line() for m in req.my_requests(store, agent)]
    assert any("今天下午再打一次" in x for x in lines)


def test_only_a_supervisor_decides(due_today):
    store, agent, _sup, other = due_today
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    for who in (agent, other):
        with pytest.raises(PermissionDenied):
            req.approve(store, who, view.id)
        with pytest.raises(PermissionDenied):
            req.refuse(store, who, view.id)
    assert _cb(store).next_attempt_at is None


def test_a_disabled_supervisor_is_refused_in_the_transaction(due_today):
    from huifang_tui.store.models import User

    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    with store.write() as s:
        u = s.exec(select(User).where(User.login == "sup1")).one()
        u.active = False
        s.add(u)
    with pytest.raises(PermissionDenied):
        req.approve(store, sup, view.id)


def test_a_request_on_a_reassigned_callback_is_not_applied(due_today):
    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    assign(store, sup, "HF202611001", "agent2")
    with pytest.raises(Conflict) as e:
        req.approve(store, sup, view.id)
    assert "agent2" in str(e.value)
    assert _cb(store).next_attempt_at is None  # nothing applied
    with store.read() as s:
        assert s.get(SupervisorRequest, view.id).state == "stale"
    assert req.pending(store, sup) == []
    (mine,) = req.my_requests(store, agent)
    assert mine.state == "stale" and "agent2" in mine.answer_line()


def test_a_request_on_a_completed_callback_is_not_applied(due_today):
    store, agent, sup, _ = due_today
    view = req.ask(store, agent, "HF202611001", "defer", date(2026, 11, 25), "客户出差")
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", reached_name="王经理",
                                                           score_resolution=5, score_attitude=5))
    with pytest.raises(Conflict):
        req.approve(store, sup, view.id)
    cb = _cb(store)
    assert cb.status == "completed" and cb.due_on == NOW.date()


def test_no_answer_on_the_last_day_says_it_will_be_overdue(due_today):
    """Item 4: F4 (no answer) on a callback due by today plans tomorrow 08:30: past the deadline."""
    store, agent, _sup, _ = due_today
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert res.will_be_overdue
    text = next_step(res, "no_answer", NOW)
    assert "明天 08:30" in text and "逾期" in text
    add_callback(store, 1, "HF202611003", deadline_on=date(2026, 11, 30))
    later = record_attempt(store, agent, "HF202611003", CallRecord(outcome="no_answer"))
    assert not later.will_be_overdue and "逾期" not in next_step(later, "no_answer", NOW)
