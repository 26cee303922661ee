"""Issue 22 §3, §7, §12 through ``huifang record`` (the real clock, as the agent's own OS login):
the not-reached set printed and undone, ``--reason`` required for 拒访 and exported, a
customer reached after becoming unreachable recorded."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.services.users import os_login
from huifang_tui.store.models import CallAttempt, Callback

from factories import add_callback, add_customer, add_user

TODAY = date.today()
DUE = {"HF202612001": TODAY - timedelta(days=5), "HF202612002": TODAY - timedelta(days=2),
       "HF202612003": TODAY, "HF202612004": TODAY + timedelta(days=1)}


@pytest.fixture
def desk(store, monkeypatch, capsys):
    """宁波久远's callbacks of the OS login due five and two days ago, today and tomorrow."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    me = os_login()
    add_user(store, me, "agent")
    cid = add_customer(store, "宁波久远电气有限公司", agent=me)
    for number, due in DUE.items():
        add_callback(store, cid, number, agent=me, due_on=due, deadline_on=due + timedelta(days=3))
    store.clock = datetime.now
    capsys.readouterr()
    return store


def _run(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _cb(store, number) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


def test_record_prints_the_whole_call_and_undo_restores_it(desk, capsys):
    rc, out, err = _run(capsys, "record", "HF202612001", "--outcome", "phone_off")
    assert rc == 0, err
    assert "HF202612002, HF202612003" in out and "HF202612004" not in out
    assert [_cb(desk, n).attempts for n in DUE] == [1, 1, 1, 0]
    rc, out, err = _run(capsys, "undo", "HF202612003")  # any callback of the call undoes the call
    assert rc == 0, err
    assert [_cb(desk, n).attempts for n in DUE] == [0, 0, 0, 0]
    assert "HF202612001" in out and "HF202612002" in out and "HF202612003" in out


def test_refused_needs_a_reason(desk, capsys, tmp_path):
    rc, out, err = _run(capsys, "record", "HF202612003", "--outcome", "refused")
    assert rc == 1 and "--reason" in err and "Traceback" not in err
    assert _cb(desk, "HF202612003").status == "open"
    rc, out, err = _run(capsys, "record", "HF202612003", "--outcome", "refused", "--reason", "设备运行正常，不需要回访")
    assert rc == 0, err
    with desk.read() as s:
        reasons = {a.reason for a in s.exec(select(CallAttempt))}
    assert reasons == {"设备运行正常，不需要回访"}  # the rest of the call closed with the same reason
    month = f"{TODAY:%Y-%m}"
    rc, out, err = _run(capsys, "report", "monthly", "--month", month, "--out", str(tmp_path / "m.csv"))
    assert rc == 0, err
    with open(tmp_path / "m.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = next(r for r in rows if "备注" in r)
    row = next(r for r in rows if r and r[0] == "HF202612003")
    assert "拒访原因：设备运行正常，不需要回访" in row[head.index("备注")]


def test_reached_after_unreachable_is_recorded(desk, capsys):
    last = datetime.now().replace(microsecond=0) - timedelta(hours=1)
    with desk.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == "HF202612004")).one()
        cb.status, cb.attempts, cb.outcome = "unreachable", 3, "no_answer"
        s.add(cb)
        s.flush()
        s.add(CallAttempt(callback_id=cb.id, at=last, agent_login=os_login(), outcome="no_answer", entered_at=last))
    rc, out, err = _run(capsys, "record", "HF202612004", "--outcome", "busy")
    assert rc == 2 and f"{last:%Y-%m-%d %H:%M}" in err and "无法联系" in err
    rc, out, err = _run(capsys, "record", "HF202612004", "--outcome", "completed", "--scores", "4,5",
                        "--reached", "王经理/技术负责人")
    assert rc == 0, err
    assert _cb(desk, "HF202612004").status == "completed"
    rc, out, err = _run(capsys, "record", "HF202612004", "--outcome", "completed", "--scores", "4,5",
                        "--reached", "王经理")
    assert rc == 2 and "已由" in err and "完成" in err
