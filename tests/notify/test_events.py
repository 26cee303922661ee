"""The events that tell people outside the app (issue 26 item 2): each writes its notification in
its own write transaction (``services.outbox.emit``) — one row per routed channel, one
``unrouted`` row without a route — and a rolled-back event writes none. An outcome undone, an
escalation withdrawn and a request replaced while their notifications wait are followed.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.core.i18n import render
from huifang_tui.domain.kpi import Month
from huifang_tui.services import dayclose, issues, outbox, planner, record_form, report, requests, undo
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store.models import AuditEntry, Callback, Notification, NotificationAttempt, Setting

from conftest import NOW
from factories import add_callback, add_customer, add_user

pytestmark = pytest.mark.both_backends

CUSTOMER = "杭州恒达机械有限公司"
NUMBER = "HF202611001"


def _at(store, when: datetime) -> None:
    store.clock = lambda: when


def _rows(store) -> list[Notification]:
    with store.read() as s:
        return list(s.exec(select(Notification).order_by(Notification.id)))


def _route(store, kind: str, *channels: str) -> None:
    with store.write() as s:
        s.merge(Setting(key=outbox.ROUTES_KEY, value=json.dumps({kind: list(channels)})))


def _desk(store) -> dict:
    """agent1 (陈晓雯) with callback HF202611001 of 杭州恒达 due today; a supervisor."""
    people = {"agent": add_user(store, "agent1", "agent", "陈晓雯"),
              "sup": add_user(store, "sup1", "supervisor", "周主管")}
    cid = add_customer(store, CUSTOMER, phone="13812345678")
    add_callback(store, cid, NUMBER, deadline_on=NOW.date())
    return people


def _escalate(store) -> None:
    with store.write() as s:
        issues.write_due_escalations(s, store.now())


# Each kind: (set up, the event). The event is the one action that must write the notification.

def _complaint(store):
    p = _desk(store)
    return lambda: issues.raise_issue(store, p["agent"], NUMBER, title="设备漏油，客户很不满", is_complaint=True)


def _raised(store):
    p = _desk(store)
    issues.raise_issue(store, p["agent"], NUMBER, title="设备异响", category="product")  # ack by 11-24 09:30
    return p


def _escalation_1(store):
    _raised(store)
    _at(store, datetime(2026, 11, 24, 12))
    return lambda: _escalate(store)


def _escalation_2(store):
    _raised(store)
    _at(store, datetime(2026, 11, 24, 12))
    _escalate(store)  # level 1: not acknowledged in time
    _at(store, datetime(2026, 11, 27, 10))  # solve by 11-26 missed: level 2
    return lambda: _escalate(store)


def _low_score(store):
    p = _desk(store)
    return lambda: record_attempt(store, p["agent"], NUMBER, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=2, score_attitude=4))


def _unreachable(store):
    p = _desk(store)
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == NUMBER)).one()
        cb.attempts = 2  # the policy's third try is the last
        s.add(cb)
    return lambda: record_attempt(store, p["agent"], NUMBER, CallRecord(outcome="no_answer"))


def _request(store):
    p = _desk(store)
    return lambda: requests.ask(store, p["agent"], NUMBER, "reschedule", datetime(2026, 11, 24, 10), "客户出差")


def _day_close(store):
    p = _desk(store)
    record_attempt(store, p["agent"], NUMBER, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5))
    return lambda: dayclose.close_day(store, p["agent"], NOW.date())


def _summary_due(store):
    _desk(store)
    _at(store, datetime(2026, 11, 30, 10))  # Monday: November's last working day
    return lambda: planner.run_planner(store)


def _month_approved(store):
    p = _desk(store)
    return lambda: report.approve(store, p["sup"], Month(2026, 10))


def _stale(store):
    p = _desk(store)
    cid = add_customer(store, "绍兴恒泰化工有限公司")
    add_callback(store, cid, "HF202609001", due_on=date(2026, 9, 1), deadline_on=date(2026, 9, 30))
    del p
    return lambda: planner.run_planner(store)


EVENTS = {
    "complaint": (_complaint, "issue:WT"),
    "escalation.1": (_escalation_1, "issue:WT"),
    "escalation.2": (_escalation_2, "issue:WT"),
    "low_score": (_low_score, f"cb:{NUMBER}"),
    "unreachable": (_unreachable, f"cb:{NUMBER}:unreachable"),
    "request": (_request, "request:"),
    "day_close": (_day_close, "dayclose:agent1:2026-11-23"),
    "summary_due": (_summary_due, "month:2026-11"),
    "month_approved": (_month_approved, "month:2026-10:v1"),
    "stale": (_stale, "stale:"),
}


def test_every_kind_but_delivery_failed_has_its_event_here():
    from huifang_tui.domain.notify import KINDS

    assert set(EVENTS) == set(KINDS) - {"delivery_failed"}


@pytest.mark.parametrize("routed", [False, True], ids=["unrouted", "routed"])
@pytest.mark.parametrize("kind", list(EVENTS))
def test_each_event_writes_exactly_one_notification(store, kind, routed):
    setup, ref = EVENTS[kind]
    event = setup(store)
    if routed:
        _route(store, kind, "ops")
    before = {n.id for n in _rows(store)}
    event()
    new = [n for n in _rows(store) if n.id not in before]
    assert [(n.kind, n.channel, n.state) for n in new] == [
        (kind, "ops", "pending") if routed else (kind, "", "unrouted")]
    assert new[0].ref.startswith(ref)
    # the title and message read back from the stored code, in either language
    params = json.loads(new[0].params)
    assert render(new[0].code, params) and render(f"notify.title.{kind}", params)
    assert "{" not in render(f"notify.title.{kind}", params) + render(new[0].code, params)


class Boom(Exception):
    pass


@pytest.mark.parametrize("kind", list(EVENTS))
def test_an_event_rolled_back_writes_no_notification(store, kind, monkeypatch):
    """The notification is written in the event's own transaction: when anything after it fails,
    neither the event nor its notification is kept."""
    setup, _ = EVENTS[kind]
    event = setup(store)
    before = [n.id for n in _rows(store)]
    real = outbox.emit

    def emit_then_fail(*a, **kw):
        rows = real(*a, **kw)
        assert rows  # written, then the transaction fails
        raise Boom

    monkeypatch.setattr(outbox, "emit", emit_then_fail)
    with pytest.raises(Boom):
        event()
    assert [n.id for n in _rows(store)] == before


def test_the_messages_name_the_customer_and_never_a_whole_phone_number(store):
    _complaint(store)()
    (n,) = _rows(store)
    params = json.loads(n.params)
    assert (params["customer"], params["phone"], params["title"]) == (CUSTOMER, "138****5678", "设备漏油，客户很不满")
    assert "13812345678" not in n.params
    assert n.ref == f"issue:{params['number']}" and n.created_by == "agent1"
    assert render(n.code, params).startswith(f"客户 {CUSTOMER}（138****5678）投诉")


def test_a_complaints_level_2_at_once_is_told_by_the_complaint_alone(store):
    """A complaint is 总经理 at once (its escalation event is written): the GM gets one message."""
    _complaint(store)()
    assert [n.kind for n in _rows(store)] == ["complaint"]


def test_low_score_and_unreachable_say_what_the_supervisor_needs(store):
    _low_score(store)()
    (n,) = _rows(store)
    p = json.loads(n.params)
    assert (p["score"], p["threshold"], p["hours"], p["phone"], p["agent"]) == (2, 3, 24, "138****5678",
                                                                               "陈晓雯 (agent1)")


def test_day_close_carries_the_days_figures(store):
    _day_close(store)()
    (n,) = _rows(store)
    assert render(n.code, json.loads(n.params)) == \
        "陈晓雯 (agent1) 已完成 2026-11-23 的日结。应办 1 · 已尝试 1 · 已完成 1 · 剩余 0"


def test_month_approved_attaches_the_month(store):
    _month_approved(store)()
    (n,) = _rows(store)
    assert (n.ref, n.attach) == ("month:2026-10:v1", "month:2026-10:v1")  # the version approved


def test_summary_due_is_told_once_a_month(store):
    _summary_due(store)()
    planner.run_planner(store)
    _at(store, datetime(2026, 12, 1, 10))
    planner.run_planner(store)
    assert [(n.kind, n.ref) for n in _rows(store)] == [("summary_due", "month:2026-11")]


def test_summary_due_is_not_told_for_a_month_already_approved_or_before_its_last_working_day(store):
    p = _desk(store)
    planner.run_planner(store)  # 11-23: November is not due yet; October was due by 11-02
    _at(store, datetime(2026, 12, 1, 10))
    report.approve(store, p["sup"], Month(2026, 11))
    before = {n.id for n in _rows(store)}
    planner.run_planner(store)
    assert [n.kind for n in _rows(store) if n.id not in before] == []
    assert "summary_due" not in {n.kind for n in _rows(store)}


def test_a_month_approved_before_its_summary_due_went_out_is_not_sent(store):
    _summary_due(store)()
    (n,) = _rows(store)
    _at(store, datetime(2026, 12, 1, 10))
    report.approve(store, _actor(store, "sup1"), Month(2026, 11))
    assert [(r.kind, r.ref) for r in _rows(store)] == [("month_approved", "month:2026-11:v1")]


# -- undo, withdrawn escalations, a replaced request --------------------------------------------


def test_undoing_a_low_score_takes_back_the_notification_not_sent_yet(store):
    _low_score(store)()
    (n,) = _rows(store)
    res = undo.undo_last(store, _actor(store, "agent1"), NUMBER)
    assert res.outcome == "completed" and _rows(store) == []
    with store.read() as s:
        (a,) = s.exec(select(AuditEntry).where(AuditEntry.action == "notification.withdraw")).all()
    assert (a.entity, a.entity_id, a.login) == ("notification", str(n.id), "agent1")
    assert json.loads(a.before)["ref"] == f"cb:{NUMBER}"
    from huifang_tui.services.audit_log import audit_log

    (row,) = [r for r in audit_log(store, _actor(store, "sup1")) if r.action == "notification.withdraw"]
    assert (row.action_text, row.subject) == ("撤回未发通知", f"通知 {n.id}")
    assert {(c.label, c.before) for c in row.changes} >= {("类型", "低分回访"), ("事件", f"回访 {NUMBER}"),
                                                          ("状态", "未路由")}
    # recorded again: told again
    record_attempt(store, _actor(store, "agent1"), NUMBER, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=1, score_attitude=1))
    assert [(n.kind, json.loads(n.params)["score"]) for n in _rows(store)] == [("low_score", 1)]


def test_a_sent_or_tried_notification_stays_when_its_outcome_is_undone(store):
    _unreachable(store)()
    (n,) = _rows(store)
    with store.write() as s:
        row = s.get(Notification, n.id)
        row.state, row.channel, row.sent_at = "sent", "ops", NOW
        s.add(row)
    undo.undo_last(store, _actor(store, "agent1"), NUMBER)
    assert [(r.id, r.state) for r in _rows(store)] == [(n.id, "sent")]


def test_a_rate_limited_try_is_not_taken_back(store):
    _low_score(store)()
    (n,) = _rows(store)
    with store.write() as s:
        row = s.get(Notification, n.id)
        row.state, row.channel = "pending", "ops"
        s.add(row)
        s.add(NotificationAttempt(notification_id=n.id, at=NOW, channel="ops", ok=False, outcome="rate_limited"))
    undo.undo_last(store, _actor(store, "agent1"), NUMBER)
    assert [r.id for r in _rows(store)] == [n.id]


def test_undoing_a_reached_outcome_on_an_unreachable_callback_keeps_its_unreachable_notice(store):
    _unreachable(store)()
    record_attempt(store, _actor(store, "agent1"), NUMBER, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5))
    undo.undo_last(store, _actor(store, "agent1"), NUMBER)
    assert [n.kind for n in _rows(store)] == ["unreachable"]


def test_a_withdrawn_escalation_is_not_told_and_the_one_that_stands_is(store):
    """Both clock escalations wait unsent; an acknowledgement stated in time withdraws them: their
    notifications go; the solution still missed is written again (level 1) and told."""
    p = _raised(store)
    _at(store, datetime(2026, 11, 27, 10))
    _escalate(store)
    assert sorted(n.kind for n in _rows(store)) == ["escalation.1", "escalation.2"]
    (number,) = {json.loads(n.params)["number"] for n in _rows(store)}
    issues.acknowledge(store, p["sup"], number, when=datetime(2026, 11, 23, 11))
    rows = _rows(store)
    assert [(n.kind, json.loads(n.params)["reason"]["t"]) for n in rows] == [
        ("escalation.1", "notify.msg.reason_solve")]


def test_a_withdrawn_escalation_already_sent_is_never_sent_again(store):
    p = _raised(store)
    _at(store, datetime(2026, 11, 24, 12))
    _escalate(store)
    (n,) = _rows(store)
    with store.write() as s:
        row = s.get(Notification, n.id)
        row.state, row.sent_at = "sent", store.now()
        s.add(row)
    number = json.loads(n.params)["number"]
    issues.acknowledge(store, p["sup"], number, when=datetime(2026, 11, 23, 11))
    _escalate(store)
    assert [(r.id, r.state) for r in _rows(store)] == [(n.id, "sent")]


def test_a_request_replaced_while_waiting_says_the_newest_reason(store):
    _request(store)()
    requests.ask(store, _actor(store, "agent1"), NUMBER, "reschedule", datetime(2026, 11, 25, 10), "客户下周出差回来")
    (n,) = _rows(store)
    p = json.loads(n.params)
    assert p["reason"] == "客户下周出差回来" and "2026-11-25 10:00" in render(n.code, p)


@pytest.mark.parametrize("decide", ["approve", "refuse"])
def test_a_request_decided_before_its_notification_went_out_is_not_sent(store, decide):
    """Asked at 20:00 (the notification waits for the working hours); the supervisor decides at
    the board first: nobody is asked for a decision already made. One already sent stays."""
    ask = _request(store)
    _at(store, datetime(2026, 11, 23, 20))
    view = ask()
    (n,) = _rows(store)
    assert n.next_try_at > store.now()
    sup = _actor(store, "sup1")
    if decide == "approve":
        requests.approve(store, sup, view.id)
    else:
        requests.refuse(store, sup, view.id, "不同意")
    assert _rows(store) == []


def test_a_request_sent_then_decided_keeps_its_sent_notification(store):
    view = _request(store)()
    (n,) = _rows(store)
    with store.write() as s:
        row = s.get(Notification, n.id)
        row.state, row.channel, row.sent_at = "sent", "ops", NOW
        s.add(row)
    requests.refuse(store, _actor(store, "sup1"), view.id)
    assert [(r.id, r.state) for r in _rows(store)] == [(n.id, "sent")]


def test_the_month_form_tells_a_low_score_entered_or_corrected_under_the_threshold(store):
    p = _desk(store)
    inp = record_form.RecordInput(customer=CUSTOMER, completed_at=datetime(2026, 11, 23, 9), channel="phone",
                                  reached_name="王经理", score_resolution=3, score_attitude=1)
    number = record_form.enter_adhoc(store, p["agent"], inp)
    assert [(n.kind, n.ref) for n in _rows(store)] == [("low_score", f"cb:{number}")]

    record_attempt(store, p["agent"], NUMBER, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=4, score_attitude=4))
    assert len(_rows(store)) == 1
    edit = record_form.load_record(store, p["agent"], NUMBER)
    record_form.edit_record(store, p["agent"], NUMBER, _replace(edit, score_attitude=2))
    assert [(n.kind, n.ref) for n in _rows(store)][1:] == [("low_score", f"cb:{NUMBER}")]
    # corrected back over the threshold before it went out: taken back
    record_form.edit_record(store, p["agent"], NUMBER, _replace(edit, score_attitude=3))
    assert [(n.kind, n.ref) for n in _rows(store)] == [("low_score", f"cb:{number}")]


def _replace(inp, **kw):
    from dataclasses import replace

    return replace(inp, **kw)


def _actor(store, login):
    from huifang_tui.services.base import Actor, get_user

    with store.read() as s:
        u = get_user(s, login)
        return Actor(u.login, u.role, u.name)


def test_quiet_hours_hold_a_non_urgent_kind_and_not_a_complaint(store):
    """Written at 20:00: the complaint may go at once, a low score waits for the next work hour."""
    p = _desk(store)
    _at(store, datetime(2026, 11, 23, 20))
    issues.raise_issue(store, p["agent"], NUMBER, title="投诉", is_complaint=True)
    record_attempt(store, p["agent"], NUMBER, CallRecord(
        outcome="completed", reached_name="王经理", score_resolution=1, score_attitude=1))
    due = {n.kind: n.next_try_at for n in _rows(store)}
    assert due["complaint"] == datetime(2026, 11, 23, 20)
    assert due["low_score"] > datetime(2026, 11, 23, 20) and due["low_score"] - NOW < timedelta(days=2)


def test_two_transactions_telling_the_same_event_at_once_write_it_once(store, backend):
    """PostgreSQL: two planners judging the same stale days at the same moment. The second waits
    for the first, then sees its row: one notification, and no unique-key failure."""
    if backend != "pg":
        pytest.skip("SQLite's BEGIN IMMEDIATE already serialises every writer")
    import threading

    from sqlalchemy import text

    from huifang_tui.core.i18n import t

    def tell(s):
        return outbox.emit(s, "stale", "stale:2026-10-01:2026-10-24", t(
            "notify.msg.stale", count=1, days=30, numbers="HF202609001"), NOW, by="system")

    second: dict = {}

    def other():
        try:
            with store.write() as s:
                second["rows"] = tell(s)
        except Exception as e:  # noqa: BLE001 - what the second writer met, asserted below
            second["error"] = e

    with store.write() as s:
        assert len(tell(s)) == 1
        worker = threading.Thread(target=other)
        worker.start()
        with store.engine.connect() as watch:  # the second writer is waiting on a lock of ours
            for _ in range(10_000):
                waiting = watch.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")).scalar()
                if waiting or not worker.is_alive():
                    break
                watch.commit()
                threading.Event().wait(0.01)
    worker.join()
    assert "error" not in second and second["rows"] == []
    assert [(n.kind, n.ref) for n in _rows(store)] == [("stale", "stale:2026-10-01:2026-10-24")]
