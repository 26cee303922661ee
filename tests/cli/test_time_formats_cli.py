"""Issue 23 item 1 through the command line: every time option (``--when``, ``--to``, ``--now``)
and every date option (``--date``, ``--on``, ``--since``, ``--until``) takes ISO 8601 date-times
(``T`` or a space, seconds or without), ISO dates (the first working hour for a time, the day
for a date) and the spoken phrases; an unreadable one lists examples in the reader's language.

The command line runs on the real clock, so the times here are relative to it."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.domain.policy import Policy
from huifang_tui.services.users import os_login
from huifang_tui.store.models import CallAttempt, Callback, Sale

from factories import add_callback, add_customer, add_user

TODAY = date.today()
Y = TODAY - timedelta(days=1)
FIRST_HOUR = Policy().work_hours[0][0]  # what a date alone means as a time (the test database's policy)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        rc = cli.main(list(args))
    except SystemExit as e:  # argparse's own type errors
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def desk(store, monkeypatch, capsys):
    """A callback of the OS login following a sale two days ago, due today; ``desk(role)``
    makes the OS login that role."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    cid = add_customer(store, "杭州恒达机械有限公司", agent=os_login())
    with store.write() as s:
        s.add(Sale(contract_no="HT001", customer_id=cid, sold_on=TODAY - timedelta(days=2)))
    add_callback(store, cid, "HF202611001", kind="first_sale", trigger="sale:HT001", agent=os_login(),
                 due_on=TODAY, deadline_on=TODAY + timedelta(days=30))
    add_user(store, "tech1")
    store.clock = datetime.now

    def make(role: str):
        add_user(store, os_login(), role)
        capsys.readouterr()
        return store

    return make


def _next_working_day(store) -> date:
    from huifang_tui.services.calendar import load_calendar

    with store.read() as s:
        return load_calendar(s).next_working_day(TODAY)


def _cb(store) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == "HF202611001")).one()


# -- --to (改约): today's code refused ISO 8601 with a T and seconds ------------------------------

@pytest.mark.parametrize("fmt, hm", [
    ("{d}T15:00", time(15)),
    ("{d}t15:00", time(15)),
    ("{d} 15:00", time(15)),
    ("{d}T15:00:00", time(15)),
    ("{d} 15:00:30", time(15)),  # an appointment is to the minute
    ("{d}", FIRST_HOUR),
    ("{m}-{day} 15:00", time(15)),
    ("{m}月{day}日下午3点", time(15)),
])
def test_record_to_takes_every_format(desk, capsys, fmt, hm):
    store = desk("agent")
    d = _next_working_day(store)
    text = fmt.format(d=d.isoformat(), m=d.month, day=d.day)
    rc, out, err = _run(capsys, "record", "HF202611001", "--outcome", "reschedule", "--to", text)
    assert rc == 0, err
    assert _cb(store).next_attempt_at == datetime.combine(d, hm)


# -- --when on a call: seconds and a date's first working hour ------------------------------------

@pytest.mark.parametrize("text, expected", [
    (f"{Y}T10:00", datetime.combine(Y, time(10))),
    (f"{Y} 10:00", datetime.combine(Y, time(10))),
    (f"{Y}T10:00:30", datetime.combine(Y, time(10, 0, 30))),
    (f"{Y} 10:00:30", datetime.combine(Y, time(10, 0, 30))),
    (f"{Y}", datetime.combine(Y, FIRST_HOUR)),
    ("今天 00:00", datetime.combine(TODAY, time(0))),
    ("today 0:00", datetime.combine(TODAY, time(0))),
])
def test_record_when_takes_every_format(desk, capsys, text, expected):
    store = desk("agent")
    rc, _, err = _run(capsys, "record", "HF202611001", "--outcome", "completed", "--reached", "王经理",
                      "--scores", "5,5", "--when", text)
    assert rc == 0, err
    with store.read() as s:
        assert [a.at for a in s.exec(select(CallAttempt))] == [expected]


# -- issue --when, issue tell --on, issues --now --------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (f"{Y}T10:00", f"{Y}T10:00:00"),
    (f"{Y} 10:00", f"{Y}T10:00:00"),
    (f"{Y}T10:00:30", f"{Y}T10:00:30"),
    (f"{Y} 10:00:30", f"{Y}T10:00:30"),
    (f"{Y}", f"{Y}T{FIRST_HOUR:%H:%M:%S}"),
    ("今天 00:00", f"{TODAY}T00:00:00"),
    ("today 0:00", f"{TODAY}T00:00:00"),
])
def test_issue_when_takes_every_format(desk, capsys, text, expected):
    desk("supervisor")
    rc, out, err = _run(capsys, "issue", "raise", "HF202611001", "--title", "设备异响", "--category", "product",
                        "--priority", "normal", "--when", text, "--json")
    assert rc == 0, err
    assert json.loads(out)["raised_at"] == expected


@pytest.mark.parametrize("text", [f"{TODAY}", f"{TODAY}T00:00", f"{TODAY} 00:00", f"{TODAY}T00:00:00"])
def test_issue_tell_on_takes_a_date_or_a_date_time(desk, capsys, text):
    desk("supervisor")
    assert _run(capsys, "issue", "raise", "HF202611001", "--title", "设备异响", "--category", "product",
                "--priority", "normal", "--when", f"{Y} 10:00")[0] == 0
    number = "WT" + f"{Y:%Y%m}" + "001"
    for argv in (["assign", number, "--department", "技术支持组", "--owner", "tech1", "--when", f"{Y} 10:10"],
                 ["ack", number, "--when", f"{Y} 10:20"],
                 ["solve", number, "--solution", "更换轴承", "--when", f"{Y} 16:00"]):
        rc, _, err = _run(capsys, "issue", *argv)
        assert rc == 0, (argv, err)
    rc, out, err = _run(capsys, "issue", "tell", number, "--on", text, "--satisfaction", "4", "--json")
    assert rc == 0, err
    assert json.loads(out)["told_on"] == TODAY.isoformat()


@pytest.mark.parametrize("text", [f"{TODAY}T00:00", f"{TODAY} 00:00", f"{TODAY}T00:00:30", f"{TODAY}",
                                  "今天 00:00", "today 0:00", "+0h"])
def test_issues_now_takes_every_format(desk, capsys, text):
    desk("supervisor")
    rc, out, err = _run(capsys, "issues", "--now", text, "--json")
    assert rc == 0, err
    assert json.loads(out) == []


# -- report --now, plan --now ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [f"{TODAY}T00:00", f"{TODAY} 00:00:30", f"{TODAY}", "今天 00:00", "today 0:00"])
def test_report_now_takes_every_format(desk, capsys, text):
    desk("supervisor")
    month = f"{TODAY - timedelta(days=TODAY.day):%Y-%m}"  # the last month, over by now
    rc, out, err = _run(capsys, "report", "monthly", "--month", month, "--now", text, "--json")
    assert rc == 0, err
    assert json.loads(out)


@pytest.mark.parametrize("text", ["2026-01-22T08:00", "2026-01-22 08:00", "2026-01-22 08:00:00", "2026-01-22",
                                  "今天 08:00", "today 8am"])
def test_plan_now_takes_every_format(desk, capsys, text):
    desk("admin")
    rc, _, err = _run(capsys, "plan", "--now", text)
    assert rc == 0, err


# -- date options: --date, --since, --until -------------------------------------------------------

@pytest.mark.parametrize("text", [f"{TODAY}", f"{TODAY}T15:00", f"{TODAY} 15:00", f"{TODAY}T15:00:30"])
def test_date_options_take_a_date_or_a_date_time(desk, capsys, text):
    desk("supervisor")
    for argv in (["queue", "--date", text], ["board", "--date", text, "--json"], ["audit", "--since", text],
                 ["sales", "--since", text, "--until", text]):
        rc, _, err = _run(capsys, *argv)
        assert rc == 0, (argv, err)


# -- the refusal lists examples in the reader's language -------------------------------------------

@pytest.mark.parametrize("argv", [
    ["record", "HF202611001", "--outcome", "reschedule", "--to", "下下下周"],
    ["record", "HF202611001", "--outcome", "no_answer", "--when", "下下下周"],
    ["issues", "--now", "下下下周"],
    ["report", "monthly", "--month", "2026-01", "--now", "下下下周"],
    ["plan", "--now", "下下下周"],
    ["queue", "--date", "下下下周"],
    ["board", "--date", "下下下周"],
])
def test_unreadable_time_lists_examples_in_the_readers_language(desk, capsys, argv):
    desk("supervisor")
    rc, _, err = _run(capsys, *argv)
    assert rc == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "2026-01-22" in err and ("可用格式" in err or "例如" in err)
    rc, _, err = _run(capsys, "--lang", "en", *argv)
    assert rc == 1 and len(err.strip().splitlines()) == 1
    assert "2026-01-22" in err and "e.g." in err
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in err.replace("下下下周", "")), err
