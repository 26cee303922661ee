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


# == Issue 23: every time option, every format, on a fixed clock ====================================
#
# The clock stands at Thursday 2026-01-22 16:00 (the store's clock: the command line's Store reads
# it). Each time option is given 2026-01-22 15:00 as ``2026-01-22T15:00``, ``2026-01-22 15:00``,
# ``2026-01-22T15:00:00``, as a phrase (``今天 15:00``, ``today 3pm``), and ``2026-01-22`` alone
# (its first working hour); each date option 2026-01-22 as a date or a date-time. What came
# before (the sale, an issue raised) is stated on 2026-01-21.

CLOCK = datetime(2026, 1, 22, 16, 0)
DAY = CLOCK.date()
AT = datetime(2026, 1, 22, 15, 0)
BEFORE = "2026-01-21T10:00"  # what the record follows, stated the day before
MOMENTS = [  # (text, the moment it means)
    ("2026-01-22T15:00", AT),
    ("2026-01-22 15:00", AT),
    ("2026-01-22T15:00:00", AT),
    ("今天 15:00", AT),
    ("today 3pm", AT),
    ("周四 15:00", AT),  # a day stated for what happened reads back: this Thursday, today
    ("1-22 15:00", AT),
    ("2026-01-22", datetime.combine(DAY, FIRST_HOUR)),
]
DAYS = ["2026-01-22", "2026-01-22T15:00", "2026-01-22 15:00", "2026-01-22T15:00:00"]
NUMBER = "HF202601001"


@pytest.fixture
def january(store, monkeypatch, capsys):
    """A first-sale callback (sale 2026-01-20, due 01-21) of the OS login, the clock at ``CLOCK``;
    ``january(role)`` makes the OS login that role."""
    from huifang_tui.services.base import Store

    init = Store.__init__

    def at_clock(self, url, clock=None, engine=None):  # noqa: ANN001
        init(self, url, clock or (lambda: CLOCK), engine)

    monkeypatch.setattr(Store, "__init__", at_clock)
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    store.clock = lambda: CLOCK
    cid = add_customer(store, "杭州恒达机械有限公司", agent=os_login())
    with store.write() as s:
        s.add(Sale(contract_no="HT100", customer_id=cid, sold_on=date(2026, 1, 20)))
        s.add(Callback(number=NUMBER, customer_id=cid, kind="first_sale", trigger_ref="sale:HT100",
                       agent_login=os_login(), due_on=date(2026, 1, 21), planned_due_on=date(2026, 1, 21),
                       deadline_on=date(2026, 2, 20), contact_name="王经理", created_at=datetime(2026, 1, 20, 18),
                       updated_at=datetime(2026, 1, 20, 18)))
    add_user(store, "tech1")

    def make(role: str):
        add_user(store, os_login(), role)
        capsys.readouterr()
        return store

    return make


def _attempts(store) -> list[CallAttempt]:
    with store.read() as s:
        return list(s.exec(select(CallAttempt).order_by(CallAttempt.at, CallAttempt.id)))


@pytest.mark.parametrize("text, expected", MOMENTS)
def test_record_when_each_format(january, capsys, text, expected):
    store = january("agent")
    rc, _, err = _run(capsys, "record", NUMBER, "--outcome", "no_answer", "--when", text)
    assert rc == 0, err
    assert [a.at for a in _attempts(store)] == [expected]


@pytest.mark.parametrize("text, expected", [
    ("2026-01-22T15:00", AT),
    ("2026-01-22 15:00", AT),
    ("2026-01-22T15:00:00", AT),
    ("2026-01-22", datetime.combine(DAY, FIRST_HOUR)),
    ("明天 15:00", AT),  # read from the stated time (01-21), not from the clock (01-22)
    ("tomorrow 3pm", AT),
])
def test_record_to_each_format_read_from_the_stated_time(january, capsys, text, expected):
    """The issue's first finding: ``--to`` takes ISO 8601 and is judged at ``--when``; a time
    that has passed by the entry is accepted (the callback is due at once)."""
    store = january("agent")
    rc, out, err = _run(capsys, "record", NUMBER, "--outcome", "reschedule", "--when", BEFORE, "--to", text)
    assert rc == 0, err
    assert _cb_of(store).next_attempt_at == expected
    assert [a.rescheduled_to for a in _attempts(store)] == [expected]


def _cb_of(store) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == NUMBER)).one()


@pytest.mark.parametrize("text, expected", MOMENTS)
def test_defer_when_each_format(january, capsys, text, expected):
    store = january("agent")
    rc, out, err = _run(capsys, "defer", NUMBER, "--reason", "客户出差", "--when", text)
    assert rc == 0, err
    cb = _cb_of(store)
    assert cb.deferred_on == expected.date() and cb.due_on == date(2026, 1, 23)  # the next working day


@pytest.mark.parametrize("text", [*DAYS, "明天", "tomorrow"])
def test_defer_to_each_format(january, capsys, text):
    """``defer --to`` is a date: a date-time means its day; a phrase is read from ``--when``."""
    store = january("agent")
    rc, out, err = _run(capsys, "defer", NUMBER, "--reason", "客户出差", "--when", BEFORE, "--to", text)
    assert rc == 0, err
    assert _cb_of(store).due_on == DAY


def _raise(capsys) -> str:
    rc, out, err = _run(capsys, "issue", "raise", NUMBER, "--title", "设备异响", "--category", "product",
                        "--priority", "normal", "--when", BEFORE, "--json")
    assert rc == 0, err
    return json.loads(out)["number"]


@pytest.mark.parametrize("text, expected", MOMENTS)
def test_every_issue_action_when_each_format(january, capsys, text, expected):
    """assign, ack, note, wait, resume, solve, tell, close, reopen: each ``--when`` in each
    format, all stated at the same moment (no earlier than the previous action)."""
    january("supervisor")
    number = _raise(capsys)
    chain = [
        ("assign", ["--department", "技术支持组", "--owner", "tech1"], "assigned"),
        ("ack", [], "acknowledged"),
        ("note", ["已联系厂家"], "note"),
        ("wait", ["--reason", "等待客户寄回配件"], "waiting"),
        ("resume", [], "resumed"),
        ("solve", ["--solution", "更换轴承"], "solution"),
        ("tell", ["--on", "2026-01-22", "--satisfaction", "4"], "told"),
        ("close", [], "closed"),
        ("reopen", ["--reason", "客户反映仍有异响"], "reopened"),
    ]
    for action, extra, _kind in chain:
        rc, _, err = _run(capsys, "issue", action, number, *extra, "--when", text)
        assert rc == 0, (action, err)
    rc, out, err = _run(capsys, "issue", "show", number, "--json")
    assert rc == 0, err
    at = {e["kind"]: e["at"] for e in json.loads(out)["events"] if e["kind"] != "escalated"}
    assert at.pop("raised") == BEFORE + ":00"
    assert at == {kind: expected.isoformat() for _, _, kind in chain}


@pytest.mark.parametrize("text, expected", MOMENTS)
def test_issue_raise_when_each_format(january, capsys, text, expected):
    january("supervisor")
    rc, out, err = _run(capsys, "issue", "raise", NUMBER, "--title", "设备异响", "--category", "product",
                        "--priority", "normal", "--when", text, "--json")
    assert rc == 0, err
    assert json.loads(out)["raised_at"] == expected.isoformat()


@pytest.mark.parametrize("text", DAYS)
def test_issue_tell_on_each_format(january, capsys, text):
    january("supervisor")
    number = _raise(capsys)
    for action, extra in (("ack", []), ("solve", ["--solution", "更换轴承"])):
        assert _run(capsys, "issue", action, number, *extra, "--when", "2026-01-21T11:00")[0] == 0
    rc, out, err = _run(capsys, "issue", "tell", number, "--on", text, "--satisfaction", "4", "--json")
    assert rc == 0, err
    assert json.loads(out)["told_on"] == "2026-01-22"


def _same_for_each(capsys, argv_of, moments=MOMENTS) -> None:  # noqa: ANN001
    """Each format gives the output of its moment written as ``YYYY-MM-DDTHH:MM``."""
    for text, expected in moments:
        rc, out, err = _run(capsys, *argv_of(text))
        assert rc == 0, (text, err)
        rc, canonical, err = _run(capsys, *argv_of(expected.isoformat(timespec="minutes")))
        assert rc == 0, err
        assert json.loads(out) == json.loads(canonical), text


def test_issues_now_each_format(january, capsys):
    january("supervisor")
    _raise(capsys)
    _same_for_each(capsys, lambda text: ["issues", "--now", text, "--json"])


def test_report_monthly_now_each_format(january, capsys):
    january("supervisor")
    _run(capsys, "record", NUMBER, "--outcome", "completed", "--reached", "王经理", "--scores", "5,4",
         "--when", "2026-01-22T10:00")
    _same_for_each(capsys, lambda text: ["report", "monthly", "--month", "2026-01", "--now", text, "--json"])


def test_report_yearly_now_each_format(january, capsys):
    january("supervisor")
    _same_for_each(capsys, lambda text: ["report", "yearly", "--year", "2026", "--now", text, "--json"])


@pytest.mark.parametrize("text, expected", [m for m in MOMENTS if m[0][0].isdigit()]
                         + [(m[0], None) for m in MOMENTS if not m[0][0].isdigit()])
def test_plan_now_each_format(january, capsys, text, expected):
    """``plan --now`` (a phrase is read from the machine's clock, where the planner runs)."""
    january("admin")
    rc, out, err = _run(capsys, "plan", "--now", text)
    assert rc == 0, err
    if expected is not None:
        assert f"{expected:%Y-%m-%d %H:%M}" in out


@pytest.mark.parametrize("text", DAYS)
def test_date_options_each_format(january, capsys, text):
    january("supervisor")
    for argv in (["queue", "--date", text], ["board", "--date", text, "--json"], ["audit", "--since", text],
                 ["sales", "--since", text, "--until", text]):
        rc, out, err = _run(capsys, *argv)
        assert rc == 0, (argv, err)
        if argv[0] == "board":
            assert "2026-01-22" in out


@pytest.mark.parametrize("text", ["1-21 10:00", "1月21日上午10点", "01-21 10:00", "昨天 10:00", "周三 10:00",
                                  "yesterday 10am"])
def test_when_a_day_phrase_means_the_latest_such_day(january, capsys, text):
    """A supervisor copying last week's ledger types the day as written on paper (``1-21
    10:00``): for a stated time, a month-day means the latest such day up to now, not next
    year's (which is in the future and refused)."""
    store = january("agent")
    rc, _, err = _run(capsys, "record", NUMBER, "--outcome", "no_answer", "--when", text)
    assert rc == 0, err
    assert [a.at for a in _attempts(store)] == [datetime(2026, 1, 21, 10, 0)]


@pytest.mark.parametrize("words", [("--when=-1h",), ("--when", "-1h"), ("--when", "-60m")])
def test_a_backward_offset_as_the_options_value(january, capsys, words):
    """``-1h`` (an hour before now) is read as the option's value, joined to it or as the next
    word (which would otherwise be taken for an option and the time said to be missing)."""
    store = january("agent")
    rc, _, err = _run(capsys, "record", NUMBER, "--outcome", "no_answer", *words)
    assert rc == 0, err
    assert [a.at for a in _attempts(store)] == [AT]
