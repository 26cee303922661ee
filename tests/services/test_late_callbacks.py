"""Issue 23 items 2 and 5 in the services (SPEC §3 attempt timing, §7 补录), on SQLite and
PostgreSQL: a callback's record follows its stated timeline. The 改约 time is read from the
stated time, every timing rule is judged then, a 改约 or retry already past when entered makes
the callback due at once (and overdue once its deadline passed), a deferral is a stated record
too, and every refusal of a stated time (exit 2) names the earliest and latest allowed."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.core.errors import MonthLocked, Refused, ValidationError
from huifang_tui.services.recording import (
    CallRecord, defer, next_step, record_attempt, reschedule_time,
)
from huifang_tui.store.models import AuditEntry, CallAttempt, Callback, ReportSnapshot, Sale

from conftest import NOW
from factories import add_callback, add_customer, add_user

pytestmark = pytest.mark.both_backends

# NOW (the entry) is Monday 2026-11-23 09:30; the calls were made the Monday before.
STATED = datetime(2026, 11, 16, 9, 0)
SOLD = date(2026, 11, 10)
ENTRY = f"{NOW:%Y-%m-%d %H:%M}"


def _hm(d: datetime) -> str:
    return f"{d:%Y-%m-%d %H:%M}"


@pytest.fixture
def desk(store):
    """agent1's callback HF202611001 following sale HT001 (sold 11-10), due 11-16; its deadline
    is given by each test (default Friday 11-20, passed by the entry)."""
    agent = add_user(store, "agent1")
    sup = add_user(store, "sup1", "supervisor")

    def make(deadline: date = date(2026, 11, 20), number: str = "HF202611001", customer: str = "杭州恒达机械有限公司",
             sold: date = SOLD, due: date = date(2026, 11, 16)) -> str:
        cid = add_customer(store, customer)
        with store.write() as s:
            s.add(Sale(contract_no=f"HT{number}", customer_id=cid, sold_on=sold))
        add_callback(store, cid, number, kind="first_sale", trigger=f"sale:HT{number}", due_on=due,
                     deadline_on=deadline)
        return number

    return store, agent, sup, make


def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


# -- 改约: read from the stated time, judged at it ------------------------------------------------

@pytest.mark.parametrize("text, to", [
    ("明天 15:00", datetime(2026, 11, 17, 15, 0)),       # the day after the call, whenever typed
    ("11-18 15:00", datetime(2026, 11, 18, 15, 0)),
    ("2026-11-18T15:00", datetime(2026, 11, 18, 15, 0)),  # passed when entered: accepted
    ("2026-11-18 15:00:30", datetime(2026, 11, 18, 15, 0)),
    ("2026-11-18", datetime(2026, 11, 18, 8, 30)),
])
def test_a_late_reschedule_is_read_from_the_stated_time_and_due_at_once(desk, text, to):
    store, agent, _, make = desk
    number = make(deadline=date(2026, 11, 27))
    rec = CallRecord(outcome="reschedule", at=STATED, to=reschedule_time(store, text, STATED))
    res = record_attempt(store, agent, number, rec)
    cb = _cb(store)
    assert (cb.status, cb.next_attempt_at, cb.due_on) == ("open", to, to.date())
    assert res.due_now and not res.overdue and res.late_entry
    assert "现在就该打" in next_step(res, "reschedule", NOW)
    with store.read() as s:
        assert s.exec(select(CallAttempt.late_entry)).one() is True


def test_a_late_reschedule_past_its_deadline_is_overdue_and_says_so(desk):
    store, agent, _, make = desk
    number = make()  # deadline Friday 11-20, passed by the entry
    res = record_attempt(store, agent, number, CallRecord(outcome="reschedule", at=STATED,
                                                          to=reschedule_time(store, "明天 15:00", STATED)))
    assert res.due_now and res.overdue
    assert "已补录；该回访已逾期" in next_step(res, "reschedule", NOW)


def test_a_friday_call_typed_on_monday_is_not_called_late(desk):
    """补录 is more than one working day late (SPEC §7): a 改约 stated on Friday 11-20 and typed
    on Monday 11-23, whose time has passed, is due at once but is no 补录, and says neither."""
    store, agent, _, make = desk
    number = make(deadline=date(2026, 11, 27))
    friday = datetime(2026, 11, 20, 15, 0)
    res = record_attempt(store, agent, number, CallRecord(outcome="reschedule", at=friday,
                                                          to=reschedule_time(store, "周一 09:00", friday)))
    assert res.due_now and not res.overdue and not res.late_entry
    text = next_step(res, "reschedule", NOW)
    assert "现在就该打" in text and "补录" not in text


def test_a_reschedule_is_judged_at_the_stated_time(desk):
    store, agent, sup, make = desk
    number = make()
    with pytest.raises(Refused, match="已经过去"):  # before --when, though typed as a date-time
        reschedule_time(store, "2026-11-16 08:45", STATED)
    # after the deadline as it stood at --when: a supervisor's call (SPEC §3)
    late = reschedule_time(store, "2026-11-20 17:00", STATED)
    with pytest.raises(Refused, match="截止时间"):
        record_attempt(store, agent, number, CallRecord(outcome="reschedule", at=STATED,
                                                        to=reschedule_time(store, "下周一 10:00", STATED)))
    record_attempt(store, agent, number, CallRecord(outcome="reschedule", at=STATED, to=late))
    assert _cb(store).next_attempt_at == late
    res = record_attempt(store, sup, number, CallRecord(outcome="reschedule", at=datetime(2026, 11, 17, 9),
                                                        to=reschedule_time(store, "下周一 10:00", STATED)))
    assert res.next_attempt_at == datetime(2026, 11, 23, 10, 0) and not res.due_now  # not yet passed


def test_a_late_retry_is_placed_from_the_stated_time_and_due_at_once(desk):
    store, agent, _, make = desk
    number = make()
    res = record_attempt(store, agent, number, CallRecord(outcome="busy", at=datetime(2026, 11, 16, 11, 0)))
    # +2 h falls in the lunch break: 13:30 that day (work hours of the stated day)
    assert res.next_attempt_at == datetime(2026, 11, 16, 13, 30) and res.due_now and res.overdue
    assert "已补录；该回访已逾期" in next_step(res, "busy", NOW)
    with pytest.raises(Refused, match="13:30"):  # retry spacing at the stated time
        record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 16, 13, 0)))
    res = record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 16, 13, 30)))
    assert res.next_attempt_at == datetime(2026, 11, 17, 8, 30) and res.due_now


# -- bounds: both ends named, exit 2 ---------------------------------------------------------------

@pytest.mark.parametrize("at, earliest", [
    (datetime(2026, 11, 23, 9, 35), "2026-11-10 00:00"),   # in the future
    (datetime(2026, 11, 9, 17, 0), "2026-11-10 00:00"),    # before the sale it follows
])
def test_a_stated_time_out_of_bounds_names_the_earliest_and_latest(desk, at, earliest):
    store, agent, _, make = desk
    number = make()
    with pytest.raises(Refused) as e:
        record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=at))
    assert earliest in str(e.value) and ENTRY in str(e.value) and "\n" not in str(e.value)


def test_a_stated_time_before_the_previous_record_names_it_as_the_earliest(desk):
    store, agent, _, make = desk
    number = make()
    record_attempt(store, agent, number, CallRecord(outcome="reschedule", at=datetime(2026, 11, 17, 10, 0),
                                                    to=datetime(2026, 11, 18, 15, 0)))
    with pytest.raises(Refused) as e:
        record_attempt(store, agent, number, CallRecord(outcome="completed", at=datetime(2026, 11, 17, 9, 0),
                                                        reached_name="王经理", score_resolution=5, score_attitude=5))
    assert "2026-11-17 10:00" in str(e.value) and ENTRY in str(e.value)


def test_a_stated_time_in_an_approved_month_names_the_first_open_moment(desk):
    store, agent, sup, make = desk
    number = make(sold=date(2026, 10, 1), due=date(2026, 10, 12), deadline=date(2026, 10, 30))
    with store.write() as s:
        s.add(ReportSnapshot(month="2026-10", version=1, action="approve", login=sup.login, at=NOW,
                             data='{"overall": {}, "agents": {}, "records": []}'))
    with pytest.raises(MonthLocked) as e:
        record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 10, 20, 10)))
    assert "2026-11-01 00:00" in str(e.value) and ENTRY in str(e.value) and "\n" not in str(e.value)
    # the same bound after a refusal of another kind: the floor moves past the approved month
    with pytest.raises(Refused) as e:
        record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 23, 10)))
    assert "2026-11-01 00:00" in str(e.value) and ENTRY in str(e.value)


# -- a deferral is a stated record -----------------------------------------------------------------

def test_a_deferral_is_stated_judged_then_and_is_the_floor_of_the_next_record(desk):
    store, agent, _, make = desk
    number = make(deadline=date(2026, 11, 27))
    at = datetime(2026, 11, 16, 10, 0)
    assert defer(store, agent, number, "客户出差", at=at) == date(2026, 11, 17)  # the working day after it
    cb = _cb(store)
    assert (cb.deferred_on, cb.due_on) == (at.date(), date(2026, 11, 17))
    with store.read() as s:
        row = s.exec(select(AuditEntry).where(AuditEntry.action == "callback.defer")).one()
    after = json.loads(row.after)
    assert after["stated_at"] == at.isoformat() and after["late_entry"] is True and row.at == NOW
    with pytest.raises(Refused) as e:  # nothing stated before it
        record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 16, 9, 0)))
    assert "2026-11-16 10:00" in str(e.value) and ENTRY in str(e.value)
    with pytest.raises(Refused) as e:
        defer(store, agent, number, "再次推迟", at=datetime(2026, 11, 16, 9, 30))
    assert "2026-11-16 10:00" in str(e.value) and ENTRY in str(e.value)
    record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 17, 9, 0)))


def test_a_deferral_is_bounded_like_an_attempt(desk):
    store, agent, _, make = desk
    number = make(deadline=date(2026, 11, 27))
    record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 17, 10, 0)))
    for at in (datetime(2026, 11, 17, 9, 0), datetime(2026, 11, 9, 9, 0), datetime(2026, 11, 23, 9, 31)):
        with pytest.raises(Refused) as e:
            defer(store, agent, number, "客户出差", at=at)
        assert ENTRY in str(e.value) and ("2026-11-17 10:00" in str(e.value))
    with pytest.raises(ValidationError, match="2026-11-17"):  # the day it is put off to is after the stated day
        defer(store, agent, number, "客户出差", to=date(2026, 11, 17), at=datetime(2026, 11, 17, 11, 0))
    with pytest.raises(Refused, match="2026-11-27"):  # inside the deadline
        defer(store, agent, number, "客户出差", to=date(2026, 11, 30), at=datetime(2026, 11, 17, 11, 0))
    assert defer(store, agent, number, "客户出差", to=date(2026, 11, 19), at=datetime(2026, 11, 17, 11, 0)) \
        == date(2026, 11, 19)


# -- follow-ups of a late completion are those of an in-time one ----------------------------------

LOW = dict(reached_name="王经理", score_resolution=2, score_attitude=4, needs_onsite=True)


def _followups(store, number: str) -> list[tuple]:
    with store.read() as s:
        rows = s.exec(select(Callback).where(Callback.trigger_ref == f"cb:{number}").order_by(Callback.kind))
        return [(c.kind, c.assignee, c.due_on, c.planned_due_on, c.deadline_on, c.deadline_at, c.status)
                for c in rows]


def test_a_late_history_plans_the_same_follow_ups_as_the_same_history_in_time(desk):
    store, agent, _, make = desk
    on_time = make(number="HF202611001", customer="杭州恒达机械有限公司")
    late = make(number="HF202611002", customer="绍兴恒泰化工有限公司")
    stated_done = datetime(2026, 11, 17, 15, 5)
    # in time: the clock moves with the calls
    store.clock = lambda: STATED
    record_attempt(store, agent, on_time, CallRecord(outcome="reschedule", to=reschedule_time(store, "明天 15:00")))
    store.clock = lambda: stated_done
    in_time = record_attempt(store, agent, on_time, CallRecord(outcome="completed", **LOW))
    # afterwards, in one go with the stated times (the call screen's service path)
    store.clock = lambda: NOW
    record_attempt(store, agent, late, CallRecord(outcome="reschedule", at=STATED,
                                                  to=reschedule_time(store, "明天 15:00", STATED)))
    typed = record_attempt(store, agent, late, CallRecord(outcome="completed", at=stated_done, **LOW))
    assert typed.late_entry and not in_time.late_entry
    assert len(in_time.followups) == 3 and _followups(store, late) == _followups(store, on_time)


# -- the record form: a completion's time moved keeps to the same timeline -------------------------

def test_moving_a_completions_time_in_the_form_keeps_to_its_bounds_and_its_late_mark(desk):
    from huifang_tui.services.record_form import FormError, edit_record, load_record

    store, agent, sup, make = desk
    number = make(deadline=date(2026, 11, 27))
    record_attempt(store, agent, number, CallRecord(outcome="no_answer", at=datetime(2026, 11, 17, 10, 0)))
    record_attempt(store, agent, number, CallRecord(outcome="completed", at=datetime(2026, 11, 20, 10, 0),
                                                    reached_name="王经理", score_resolution=5, score_attitude=5))
    inp = load_record(store, sup, number)
    for at, earliest in ((datetime(2026, 11, 17, 9, 0), "2026-11-17 10:00"),   # before its earlier attempt
                         (datetime(2026, 11, 9, 9, 0), "2026-11-17 10:00"),    # before the sale
                         (datetime(2026, 11, 23, 9, 45), "2026-11-17 10:00")):  # in the future
        inp.completed_at = at
        with pytest.raises(FormError) as e:
            edit_record(store, sup, number, inp)
        assert e.value.field == "completed_at" and earliest in str(e.value) and ENTRY in str(e.value)
    inp.completed_at = datetime(2026, 11, 18, 10, 0)  # entered 11-23: more than a working day after
    edit_record(store, sup, number, inp)
    with store.read() as s:
        done = s.exec(select(CallAttempt).where(CallAttempt.outcome == "completed")).one()
    assert (done.at, done.late_entry) == (datetime(2026, 11, 18, 10, 0), True)
