"""``huifang undo NUMBER`` (issue 16 item 3): the author undoes; anyone else is refused, exit 2."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.users import os_login
from huifang_tui.store.models import Callback

from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    me = os_login()
    add_user(store, me, "agent")
    other = add_user(store, "agent2", "agent")
    today = date.today()
    cid = add_customer(store, "杭州恒达机械有限公司", agent=me)
    add_callback(store, cid, "HF202611001", kind="first_sale", agent=me, due_on=today,
                 deadline_on=today + timedelta(days=30))
    cid2 = add_customer(store, "绍兴恒泰化工", agent="agent2")
    add_callback(store, cid2, "HF202611002", kind="first_sale", agent="agent2", due_on=today,
                 deadline_on=today + timedelta(days=30))
    store.clock = __import__("datetime").datetime.now
    capsys.readouterr()
    return store, me, other


def test_undo_from_the_command_line(desk, capsys):
    store, me, other = desk
    rc = cli.main(["record", "HF202611001", "--outcome", "refused", "--reason", "客户不需要回访"])
    assert rc == 0
    capsys.readouterr()
    rc = cli.main(["undo", "HF202611001"])
    out = capsys.readouterr().out
    assert rc == 0 and "已撤销 HF202611001" in out
    with store.read() as s:
        assert s.exec(select(Callback).where(Callback.number == "HF202611001")).one().status == "open"


def test_undo_someone_elses_outcome_exits_2(desk, capsys):
    store, me, other = desk
    record_attempt(store, other, "HF202611002", CallRecord(outcome="refused", reason="客户不需要回访"))
    rc = cli.main(["undo", "HF202611002"])
    err = capsys.readouterr().err
    assert rc == 2 and "只有记录人本人可以撤销" in err and "Traceback" not in err
