"""One refusal, one exit status (issue 22 §11): a change refused because its month is approved
exits 2 from every command, with one plain line naming the way that works (``huifang report
amend``). The command line runs on the real clock, so the months here are the last one (approved
the proper way) and the current one (approved before approval waited for the month's end, as
on the demo database of issue 22)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from factories import add_callback, add_customer, add_user
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.domain.kpi import Month
from huifang_tui.core.errors import MonthLocked
from huifang_tui.services import report as rsvc
from huifang_tui.services import spotcheck
from huifang_tui.services.recording import CallRecord, defer, record_attempt
from huifang_tui.services.issues import raise_issue
from huifang_tui.services.users import os_login
from huifang_tui.store.models import Callback, Issue, ReportSnapshot, Setting

AMEND = "huifang report amend --month"


def _last_month() -> Month:
    last = date.today().replace(day=1) - timedelta(days=1)
    return Month(last.year, last.month)


def _at(day: int, hour: int = 10) -> datetime:
    m = _last_month()
    return datetime(m.year, m.month, day, hour)


@pytest.fixture
def centre(store, monkeypatch, capsys):
    """Last month: HF…1 attempted, HF…2 completed and drawn for a spot check, HF…3 attempted a
    moment ago by agent1 (still undoable), an issue raised; then the month is approved."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    store.clock = lambda: datetime.now().replace(microsecond=0)
    me = add_user(store, os_login(), "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # --as agent1
    prev = _last_month()
    cid = add_customer(store, "杭州恒达机械有限公司", agent="agent1")
    cid2 = add_customer(store, "绍兴恒泰化工有限公司", agent="agent1")
    cid3 = add_customer(store, "宁波久远机械有限公司", agent="agent1")
    for cust, n in ((cid, 1), (cid2, 2), (cid3, 3)):
        add_callback(store, cust, f"HF{prev.year}{prev.month:02d}00{n}", due_on=prev.first + timedelta(days=4),
                     deadline_on=prev.first + timedelta(days=7))
    one, two, three = (f"HF{prev.year}{prev.month:02d}00{n}" for n in (1, 2, 3))
    record_attempt(store, agent, two, CallRecord(outcome="completed", at=_at(6), reached_name="王经理",
                                                  score_resolution=5, score_attitude=5))
    record_attempt(store, agent, three, CallRecord(outcome="no_answer", at=_at(6, 11)))
    issue = raise_issue(store, agent, one, title="配件未到", when=_at(6, 12))
    spotcheck.draw(store, me, prev, 5, seed=1)
    rsvc.approve(store, me, prev)
    capsys.readouterr()
    return {"store": store, "me": me, "agent": agent, "one": one, "two": two, "three": three,
            "issue": issue.number, "prev": prev}


def _refused(capsys, *argv: str) -> str:  # noqa: ANN001
    rc = cli.main(list(argv))
    err = capsys.readouterr().err
    assert rc == 2, (argv, err)
    assert AMEND in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_every_command_exits_2_on_an_approved_month(centre, capsys):
    c = centre
    when = _at(20).strftime("%Y-%m-%d %H:%M")
    _refused(capsys, "--as", "agent1", "record", c["one"], "--outcome", "no_answer", "--when", when)
    _refused(capsys, "--as", "agent1", "record", c["one"], "--outcome", "completed", "--when", when,
             "--reached", "王经理", "--scores", "5,5")
    _refused(capsys, "--as", "agent1", "undo", c["three"])
    _refused(capsys, "--as", "agent1", "issue", "raise", c["one"], "--title", "再次反映", "--when", when)
    for action, extra in (("note", ["已联系客户"]), ("ack", []), ("wait", ["--reason", "等客户回复"]),
                          ("resume", []), ("solve", ["--solution", "已补发"]),
                          ("tell", ["--on", _at(20).date().isoformat(), "--satisfaction", "5"]),
                          ("close", []), ("reopen", ["--reason", "未解决"])):
        _refused(capsys, "issue", action, c["issue"], *extra, "--when", when)
    _refused(capsys, "spotcheck", "draw", "--month", str(c["prev"]), "--n", "3")
    _refused(capsys, "spotcheck", "mark", c["two"], "--accurate")
    # approving it again names the same way
    _refused(capsys, "report", "approve", "--month", str(c["prev"]))
    # nothing moved
    with c["store"].read() as s:
        issue = s.exec(select(Issue).where(Issue.number == c["issue"])).one()
        assert issue.status == "open" and issue.acknowledged_at is None
        assert s.exec(select(Callback).where(Callback.number == c["one"])).one().attempts == 0
        assert s.exec(select(Callback).where(Callback.number == c["three"])).one().attempts == 1  # not undone


def test_a_month_approved_early_refuses_work_dated_now_with_exit_2(centre, capsys):
    """The current month approved before it was over (a database from before the rule): record,
    lapse and defer, dated now, are refused the same way."""
    store, me = centre["store"], centre["me"]
    today = date.today()
    this = Month(today.year, today.month)
    cid = add_customer(store, "湖州荣昌印染有限公司", agent="agent1")
    add_callback(store, cid, "HF999999001", due_on=today - timedelta(days=40), deadline_on=today - timedelta(days=35))
    add_callback(store, cid, "HF999999002", due_on=today, deadline_on=today + timedelta(days=3))
    with store.write() as s:
        s.add(ReportSnapshot(month=str(this), version=1, action="approve", login=me.login,
                             at=datetime.now().replace(microsecond=0),
                             data='{"overall": {}, "agents": {}, "records": []}'))
    _refused(capsys, "--as", "agent1", "record", "HF999999002", "--outcome", "no_answer")
    _refused(capsys, "lapse", "HF999999001", "--reason", "客户已停产")
    with pytest.raises(MonthLocked):
        defer(store, centre["agent"], "HF999999002", "客户出差")
