"""Issue 22 §3, §7, §12: one call is one customer (the whole of what is due), 拒访 asks for its
reason, a customer reached after becoming unreachable can always be recorded (SPEC §3)."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.domain.kpi import Month
from huifang_tui.core.errors import Conflict, ValidationError
from huifang_tui.services.calls import open_call
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.report import monthly_report
from huifang_tui.services.undo import undo_last
from huifang_tui.store.models import CallAttempt, Callback

from conftest import NOW
from factories import add_callback, add_customer, add_user

DONE = CallRecord(outcome="completed", reached_name="王经理", score_resolution=5, score_attitude=5)
TODAY = NOW.date()  # Monday 2026-11-23


def _cb(store, number) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


@pytest.fixture
def ningbo(store):
    """宁波久远's callbacks of agent1: due 11-18 (overdue), 11-20, two today, one tomorrow; one of
    agent2's today (not agent1's to work)."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "agent2", "agent", "李娜")
    cid = add_customer(store, "宁波久远电气有限公司")
    add_callback(store, cid, "HF202611001", due_on=date(2026, 11, 18), deadline_on=date(2026, 11, 20))
    add_callback(store, cid, "HF202611002", kind="usage", due_on=date(2026, 11, 20), deadline_on=date(2026, 11, 27))
    add_callback(store, cid, "HF202611003", kind="first_sale", due_on=TODAY, deadline_on=date(2026, 12, 23))
    add_callback(store, cid, "HF202611004", kind="quarterly", due_on=TODAY, deadline_on=date(2026, 12, 23))
    add_callback(store, cid, "HF202611005", kind="nm_event", due_on=TODAY + timedelta(days=1),
                 deadline_on=date(2026, 11, 30))
    add_callback(store, cid, "HF202611006", kind="nm_new", due_on=TODAY, deadline_on=date(2026, 11, 30),
                 agent="agent2")
    return store, agent


THE_CALL = ["HF202611002", "HF202611003", "HF202611004"]  # queue order: priority, deadline, number


def test_not_reached_applies_to_every_callback_due_up_to_today(ningbo):
    """F6 on the oldest one reaches the callbacks due 11-20 and today, not tomorrow's, not agent2's."""
    store, agent = ningbo
    view = open_call(store, agent, "HF202611001", pid=1)
    assert [o.number for o in view.same_day] == THE_CALL  # the 同日合并 line: the same set
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="phone_off"))
    assert res.also == THE_CALL
    for number in ["HF202611001", *THE_CALL]:
        cb = _cb(store, number)
        assert (cb.attempts, cb.outcome, cb.next_attempt_at) == (1, "phone_off", datetime(2026, 11, 24, 8, 30))
    for number in ("HF202611005", "HF202611006"):
        assert (_cb(store, number).attempts, _cb(store, number).outcome) == (0, None)


def test_overdue_counts_even_when_put_off_past_its_deadline(ningbo):
    """Opened on today's callback, the call covers the older ones and one a supervisor put off
    to 11-25 past its 11-20 deadline: overdue is due (SPEC §3)."""
    store, agent = ningbo
    with store.read() as s:
        cid = s.exec(select(Callback)).first().customer_id
    add_callback(store, cid, "HF202611007", kind="progress_check", due_on=date(2026, 11, 25),
                 deadline_on=date(2026, 11, 20))
    res = record_attempt(store, agent, "HF202611004", CallRecord(outcome="busy"))
    assert res.also == ["HF202611001", "HF202611007", "HF202611002", "HF202611003"]
    assert _cb(store, "HF202611005").attempts == 0


def test_undo_restores_the_whole_call(ningbo):
    """Undoing the call, by its number, by another number of it, or the agent's last, restores all of it."""
    store, agent = ningbo
    for undo in (lambda: undo_last(store, agent, "HF202611001"),
                 lambda: undo_last(store, agent, "HF202611003"),
                 lambda: undo_last(store, agent)):
        record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
        res = undo()
        assert res.number == "HF202611001" and sorted(res.also) == THE_CALL
        for number in ["HF202611001", *THE_CALL]:
            cb = _cb(store, number)
            assert (cb.status, cb.attempts, cb.next_attempt_at, cb.outcome) == ("open", 0, None, None), number
    with store.read() as s:
        assert s.exec(select(CallAttempt)).all() == []


def test_a_later_appointment_is_not_tried_before_its_time(ningbo):
    """A customer who asked to be called at 15:00 for one callback is not tried for it at 10:00."""
    store, agent = ningbo
    with store.write() as s:  # 改约 to 15:00 on an earlier call
        cb = s.exec(select(Callback).where(Callback.number == "HF202611004")).one()
        cb.next_attempt_at = datetime(2026, 11, 23, 15)
        s.add(cb)
    view = open_call(store, agent, "HF202611001", pid=1)
    assert [o.number for o in view.same_day] == ["HF202611002", "HF202611003"]  # not on the 同日合并 line
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert "HF202611004" not in res.also and _cb(store, "HF202611004").attempts == 0


def test_a_wrong_number_reaches_only_the_callbacks_of_that_contact(ningbo):
    """号码错误 is said of the number dialled: the call's callbacks of another contact keep theirs."""
    store, agent = ningbo
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611004")).one()
        cb.contact_name = "李工"
        s.add(cb)
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="wrong_number"))
    assert res.also == ["HF202611002", "HF202611003"]
    assert _cb(store, "HF202611003").status == "waiting_data" and _cb(store, "HF202611004").status == "open"


# -- 拒访 asks for the reason (issue 22 §7) -----------------------------------------------------


def test_refused_without_a_reason_is_refused(ningbo):
    store, agent = ningbo
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="--reason"):
            record_attempt(store, agent, "HF202611003", CallRecord(outcome="refused", reason=reason))
    with pytest.raises(ValidationError, match="一行"):
        record_attempt(store, agent, "HF202611003", CallRecord(outcome="refused", reason="不需要\n别再打"))
    assert _cb(store, "HF202611003").status == "open"


def test_the_refusal_reason_is_stored_shown_and_exported(ningbo, tmp_path):
    from huifang_tui.exporting.sheets import write_csv, write_xlsx

    store, agent = ningbo
    sup = add_user(store, "sup1", "supervisor", "周主管")
    res = record_attempt(store, agent, "HF202611003", CallRecord(outcome="refused", reason="设备运行正常，不需要回访",
                                                                  note="客户语气平和"))
    assert res.status == "refused"
    with store.read() as s:
        a = s.exec(select(CallAttempt).where(CallAttempt.callback_id == _cb(store, "HF202611003").id)).one()
    assert (a.outcome, a.reason, a.note) == ("refused", "设备运行正常，不需要回访", "客户语气平和")
    report = monthly_report(store, sup, Month(2026, 11))
    rec = next(r for r in report.records if r.number == "HF202611003")
    assert rec.note == "11-23 09:30 拒访原因：设备运行正常，不需要回访；客户语气平和"
    assert rec.as_json()["note"] == rec.note
    write_csv(tmp_path / "m.csv", report)
    with open(tmp_path / "m.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = next(r for r in rows if "备注" in r)
    row = next(r for r in rows if r and r[0] == "HF202611003")
    assert row[head.index("备注")] == rec.note
    from openpyxl import load_workbook

    write_xlsx(tmp_path / "m.xlsx", report)
    ws = load_workbook(tmp_path / "m.xlsx").worksheets[0]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(r for r in values if "备注" in r)
    row = next(r for r in values if r[0] == "HF202611003")
    assert row[head.index("备注")].replace("\n", "") == rec.note  # broken into lines to fit (issue 25)


# -- reached is always recordable (issue 22 §12) ------------------------------------------------


def _unreachable(store, agent, number):
    for day in (23, 24, 25):
        store.clock = lambda day=day: datetime(2026, 11, day, 9)
        record_attempt(store, agent, number, CallRecord(outcome="no_answer"))
    assert _cb(store, number).status == "unreachable"


def test_reached_after_unreachable_is_recorded_and_counted_completed(ningbo):
    store, agent = ningbo
    sup = add_user(store, "sup1", "supervisor", "周主管")
    cid = add_customer(store, "温州鸿达阀门")
    add_callback(store, cid, "HF202611020", due_on=date(2026, 11, 20), deadline_on=date(2026, 11, 24))
    _unreachable(store, agent, "HF202611020")  # deadline 11-24: completing it on 11-26 is late
    store.clock = lambda: datetime(2026, 11, 26, 10)
    with pytest.raises(Conflict, match="2026-11-25 09:00"):  # not reached again: "unreachable since"
        record_attempt(store, agent, "HF202611020", CallRecord(outcome="no_answer"))
    view = open_call(store, agent, "HF202611020", pid=1)  # the customer calls back: the call opens
    assert view.callback.status == "unreachable"
    res = record_attempt(store, agent, "HF202611020", DONE)
    cb = _cb(store, "HF202611020")
    assert (res.status, cb.status, cb.completed_at, cb.attempts) == ("completed", "completed",
                                                                      datetime(2026, 11, 26, 10), 4)
    figures = monthly_report(store, sup, Month(2026, 11)).overall
    assert figures["completed"] >= 1 and figures["unreachable"] == 0
    report = monthly_report(store, sup, Month(2026, 11))
    assert report.agents["agent1"]["completed"] == 1 and report.agents["agent1"]["on_time"] == 0  # late


def test_waiting_for_data_is_not_in_the_call_and_can_be_completed(ningbo):
    """A callback waiting for a corrected number keeps waiting when the customer is not reached on
    another number, and is completed when they are."""
    store, agent = ningbo
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202611003")).one()
        cb.status, cb.attempts = "waiting_data", 1
        s.add(cb)
    res = record_attempt(store, agent, "HF202611004", CallRecord(outcome="no_answer"))
    assert "HF202611003" not in res.also
    assert (_cb(store, "HF202611003").status, _cb(store, "HF202611003").attempts) == ("waiting_data", 1)
    store.clock = lambda: NOW + timedelta(hours=1)
    assert record_attempt(store, agent, "HF202611003", DONE).status == "completed"


def test_messages_say_what_the_state_is(ningbo):
    """A pool callback someone else completed says "already completed by …", not "belongs to"."""
    store, agent = ningbo
    other = add_user(store, "agent3", "agent", "王芳")
    cid = add_customer(store, "嘉兴宏远", agent=None)
    add_callback(store, cid, "HF202611009", agent=None, deadline_on=date(2026, 11, 30))
    record_attempt(store, other, "HF202611009", DONE)
    with pytest.raises(Conflict) as e:
        record_attempt(store, agent, "HF202611009", DONE)
    assert "王芳 (agent3)" in str(e.value) and "已由" in str(e.value) and "属于" not in str(e.value)
    cid = add_customer(store, "温州鸿达阀门")
    add_callback(store, cid, "HF202611020", due_on=date(2026, 11, 20), deadline_on=date(2026, 11, 30))
    _unreachable(store, agent, "HF202611020")
    with pytest.raises(Conflict, match="自 2026-11-25 09:00 起为“无法联系”"):
        record_attempt(store, agent, "HF202611020", CallRecord(outcome="busy"))
