"""People are named the way people know them (issue 22 §15): ``huifang assign`` and the board's
reassign take a login or an exact display name; an ambiguous name lists the candidates, an
unknown one says "no such agent" with the closest matches (exit 1, nothing moved)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from huifang_tui import cli
from huifang_tui.core.identity import Actor
from huifang_tui.services.base import NotFound, ValidationError
from huifang_tui.services.board import reassign
from huifang_tui.services.users import os_login
from huifang_tui.store.models import Callback, User

from factories import add_callback, add_customer, add_user

NUMBER, OTHER = "HF202611001", "HF202611002"


@pytest.fixture
def centre(store, monkeypatch, capsys):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor", "周建华")
    add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "agent2", "agent", "刘思琪")
    add_user(store, "agent3", "agent", "王伟")
    add_user(store, "agent4", "agent", "王伟")  # two people of the same name
    add_user(store, "agent5", "agent", "赵敏")
    with store.write() as s:
        u = s.exec(select(User).where(User.login == "agent5")).one()
        u.active = False
        s.add(u)
    today = date.today()
    cid = add_customer(store, "杭州恒达机械有限公司", agent="agent1")
    for number in (NUMBER, OTHER):
        add_callback(store, cid, number, agent="agent1", due_on=today, deadline_on=today + timedelta(days=5))
    capsys.readouterr()
    return store


def _agent(store, number: str) -> str | None:  # noqa: ANN001
    with store.read() as s:
        return s.exec(select(Callback.agent_login).where(Callback.number == number)).one()


def _run(capsys, *args: str) -> tuple[int, str, str]:  # noqa: ANN001
    rc = cli.main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_assign_by_display_name(centre, capsys):
    rc, out, err = _run(capsys, "assign", NUMBER, "刘思琪")
    assert rc == 0, err
    assert _agent(centre, NUMBER) == "agent2"
    assert "刘思琪 (agent2)" in out  # said the way people know them, with the login
    rc, out, _ = _run(capsys, "assign", NUMBER, "agent1")  # a login still works
    assert rc == 0 and _agent(centre, NUMBER) == "agent1" and "陈晓雯 (agent1)" in out


def test_an_ambiguous_name_lists_the_candidates(centre, capsys):
    rc, out, err = _run(capsys, "assign", NUMBER, "王伟")
    assert rc == 1 and not out
    line = err.strip()
    assert "\n" not in line and "王伟 (agent3)" in line and "王伟 (agent4)" in line, err
    assert _agent(centre, NUMBER) == "agent1"


def test_an_unknown_name_says_no_such_agent_with_the_closest(centre, capsys):
    rc, out, err = _run(capsys, "assign", NUMBER, "刘思齐")  # one character off
    assert rc == 1 and not out
    line = err.strip()
    assert "没有这位回访员" in line and "刘思琪 (agent2)" in line, err
    assert "user add" not in line  # not "ask an admin to add"
    assert _agent(centre, NUMBER) == "agent1"
    rc, _, err = _run(capsys, "--lang", "en", "assign", NUMBER, "agnet2")
    assert rc == 1 and "No such agent" in err and "agent2" in err, err


def test_a_disabled_person_is_named_as_such(centre, capsys):
    rc, _, err = _run(capsys, "assign", NUMBER, "赵敏")
    assert rc == 1 and "赵敏 (agent5)" in err, err
    assert _agent(centre, NUMBER) == "agent1"


def test_board_reassign_by_display_name(centre):
    sup = Actor(os_login(), "supervisor", "周建华")
    res = reassign(centre, sup, [NUMBER, OTHER], "刘思琪")
    assert res.moved == [NUMBER, OTHER] and res.to == "刘思琪 (agent2)"
    assert _agent(centre, NUMBER) == _agent(centre, OTHER) == "agent2"
    with pytest.raises(ValidationError, match="agent3"):
        reassign(centre, sup, [NUMBER], "王伟")
    with pytest.raises(NotFound, match="刘思琪"):
        reassign(centre, sup, [NUMBER], "刘思齐")
    assert _agent(centre, NUMBER) == "agent2"
