"""Issue 23 items 2 and 5 through the command line: ``huifang record N --outcome reschedule --when T
--to T2`` and ``huifang defer N --when T`` entered afterwards (补录). ``--to`` is read from ``--when``
in every format, a time already past when entered is accepted (the callback is due at once and
the output says it is overdue), and a stated time out of bounds exits 2 with one line naming
the earliest and the latest time allowed.

The clock is fixed at the entry (Monday 2026-11-23 09:30); the calls were made the week before."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.services.base import Store
from huifang_tui.services.recording import CallRecord, record_attempt, reschedule_time
from huifang_tui.services.users import os_login
from huifang_tui.store.models import CallAttempt, Callback, ReportSnapshot, Sale

from conftest import NOW
from factories import add_callback, add_customer, add_user

ENTRY = f"{NOW:%Y-%m-%d %H:%M}"
NUMBER = "HF202611001"


@pytest.fixture
def desk(store, monkeypatch, capsys):
    """The OS login is an agent; HF202611001 follows sale HT001 (sold 11-10), due 11-16, its
    deadline Friday 11-20 (passed by the entry)."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    monkeypatch.setattr(Store, "now", lambda self: NOW)
    me = add_user(store, os_login(), "agent")
    add_user(store, "sup1", "supervisor")

    def make(number: str = NUMBER, customer: str = "杭州恒达机械有限公司", sold: date = date(2026, 11, 10),
             due: date = date(2026, 11, 16), deadline: date = date(2026, 11, 20)) -> str:
        cid = add_customer(store, customer, agent=me.login)
        with store.write() as s:
            s.add(Sale(contract_no=f"HT{number}", customer_id=cid, sold_on=sold))
        add_callback(store, cid, number, kind="first_sale", trigger=f"sale:HT{number}", agent=me.login,
                     due_on=due, deadline_on=deadline)
        return number

    make()
    capsys.readouterr()
    return store, me, make


def _run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        rc = cli.main(list(args))
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


def _cb(store, number=NUMBER) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


@pytest.mark.parametrize("when, to, at, new", [
    ("2026-11-16T09:00", "2026-11-18T15:00", datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 18, 15, 0)),
    ("2026-11-16 09:00", "2026-11-18 15:00", datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 18, 15, 0)),
    ("2026-11-16T09:00:30", "2026-11-18 15:00:30", datetime(2026, 11, 16, 9, 0, 30), datetime(2026, 11, 18, 15, 0)),
    ("2026-11-16", "2026-11-18", datetime(2026, 11, 16, 8, 30), datetime(2026, 11, 18, 8, 30)),
    ("2026-11-16 09:00", "明天 15:00", datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 17, 15, 0)),
    ("2026-11-16 09:00", "11-18 下午3点", datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 18, 15, 0)),
    ("2026-11-16 09:00", "周三 15:00", datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 18, 15, 0)),
])
def test_a_late_reschedule_takes_every_format_read_from_when(desk, capsys, when, to, at, new):
    store, _, _ = desk
    rc, out, err = _run(capsys, "record", NUMBER, "--outcome", "reschedule", "--when", when, "--to", to)
    assert rc == 0, err
    assert "已补录；该回访已逾期" in out
    cb = _cb(store)
    assert (cb.status, cb.next_attempt_at, cb.due_on) == ("open", new, new.date())
    with store.read() as s:
        att = s.exec(select(CallAttempt)).one()
    assert (att.at, att.rescheduled_to, att.entered_at, att.late_entry) == (at, new, NOW, True)


def test_the_result_says_overdue_in_english(desk, capsys):
    rc, out, err = _run(capsys, "--lang", "en", "record", NUMBER, "--outcome", "reschedule",
                        "--when", "2026-11-16T09:00", "--to", "2026-11-18T15:00")
    assert rc == 0, err
    assert "Entered late; this callback is overdue" in out


@pytest.mark.parametrize("argv, earliest", [
    (["record", NUMBER, "--outcome", "no_answer", "--when", "2026-11-23 09:45"], "2026-11-10 00:00"),   # future
    (["record", NUMBER, "--outcome", "no_answer", "--when", "2026-11-09T17:00"], "2026-11-10 00:00"),   # before the sale
    (["defer", NUMBER, "--reason", "客户出差", "--when", "2026-11-23 09:45"], "2026-11-10 00:00"),
    (["defer", NUMBER, "--reason", "客户出差", "--when", "2026-11-09 17:00"], "2026-11-10 00:00"),
])
def test_a_stated_time_out_of_bounds_exits_2_naming_both_ends(desk, capsys, argv, earliest):
    rc, _, err = _run(capsys, *argv)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert earliest in err and ENTRY in err


@pytest.mark.parametrize("argv", [
    ["record", NUMBER, "--outcome", "completed", "--reached", "王经理", "--scores", "5,5", "--when", "2026-11-17 09:00"],
    ["defer", NUMBER, "--reason", "客户出差", "--when", "2026-11-17 09:59"],
])
def test_a_stated_time_before_the_previous_record_exits_2_naming_both_ends(desk, capsys, argv):
    rc, _, err = _run(capsys, "record", NUMBER, "--outcome", "reschedule", "--when", "2026-11-17 10:00",
                      "--to", "明天 10:00")
    assert rc == 0, err
    rc, _, err = _run(capsys, *argv)
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert "2026-11-17 10:00" in err and ENTRY in err


def test_a_stated_time_in_an_approved_month_exits_2_naming_both_ends(desk, capsys):
    store, _, make = desk
    make(number="HF202610001", customer="绍兴恒泰化工有限公司", sold=date(2026, 10, 1), due=date(2026, 10, 12),
         deadline=date(2026, 10, 30))
    with store.write() as s:
        s.add(ReportSnapshot(month="2026-10", version=1, action="approve", login="sup1", at=NOW,
                             data='{"overall": {}, "agents": {}, "records": []}'))
    for argv in (["record", "HF202610001", "--outcome", "no_answer", "--when", "2026-10-20 10:00"],
                 ["defer", "HF202610001", "--reason", "客户出差", "--when", "2026-10-20 10:00"]):
        rc, _, err = _run(capsys, *argv)
        assert rc == 2 and len(err.strip().splitlines()) == 1, err
        assert "2026-11-01 00:00" in err and ENTRY in err and "report amend" in err


@pytest.mark.parametrize("to, day", [
    (None, date(2026, 11, 17)),            # the working day after the stated time
    ("2026-11-19", date(2026, 11, 19)),
    ("2026-11-19T15:00", date(2026, 11, 19)),
    ("后天", date(2026, 11, 18)),            # read from the stated day
])
def test_defer_is_stated_with_when(desk, capsys, to, day):
    store, _, _ = desk
    rc, out, err = _run(capsys, "defer", NUMBER, "--reason", "客户出差", "--when", "2026-11-16 10:00",
                        *(["--to", to] if to else []))
    assert rc == 0, err
    assert day.isoformat() in out
    cb = _cb(store)
    assert (cb.deferred_on, cb.due_on) == (date(2026, 11, 16), day)


def test_a_late_completion_through_the_command_line_plans_what_an_in_time_one_does(desk, capsys):
    """The same history — 改约 on Monday 09:00 to 明天 15:00, completed Tuesday 15:05 with a low
    score — once in time through the services (the call screen's path) with the clock moving,
    once a week later through ``huifang record --when``: the same follow-ups."""
    store, me, make = desk
    on_time = make(number="HF202611002", customer="绍兴恒泰化工有限公司")
    agent = me
    for moment, rec in ((datetime(2026, 11, 16, 9, 0), None), (datetime(2026, 11, 17, 15, 5), "done")):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Store, "now", lambda self, m=moment: m)
            if rec is None:
                record_attempt(store, agent, on_time, CallRecord(outcome="reschedule",
                                                                 to=reschedule_time(store, "明天 15:00")))
            else:
                record_attempt(store, agent, on_time, CallRecord(outcome="completed", reached_name="王经理",
                                                                 score_resolution=2, score_attitude=4))
    rc, _, err = _run(capsys, "record", NUMBER, "--outcome", "reschedule", "--when", "2026-11-16 09:00",
                      "--to", "明天 15:00")
    assert rc == 0, err
    rc, out, err = _run(capsys, "record", NUMBER, "--outcome", "completed", "--when", "2026-11-17 15:05",
                        "--reached", "王经理", "--scores", "2,4")
    assert rc == 0, err

    def follow(number):
        with store.read() as s:
            return [(c.kind, c.assignee, c.due_on, c.deadline_on, c.deadline_at, c.status)
                    for c in s.exec(select(Callback).where(Callback.trigger_ref == f"cb:{number}")
                                    .order_by(Callback.kind))]

    assert len(follow(on_time)) == 2 and follow(NUMBER) == follow(on_time)


def test_a_deferral_to_a_day_already_come_is_due_at_once(desk, capsys):
    store, _, _ = desk
    rc, out, err = _run(capsys, "defer", NUMBER, "--reason", "客户出差", "--when", "2026-11-16 10:00", "--to", "11-18")
    assert rc == 0, err
    assert "2026-11-18" in out and "现在就该打" in out
    assert _cb(store).due_on == date(2026, 11, 18)
