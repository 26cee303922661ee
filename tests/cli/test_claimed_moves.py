"""Nothing is moved or closed under an agent on the call (issue 21 §4, issue 22 §2).

``huifang assign`` and ``huifang lapse``, the board's reassign and a deferral of a callback whose
customer another user has open are refused (exit 2, one plain line naming who and since when),
and go through once the claim is released or has expired. The command line runs on the real
clock, so the claims here are taken on it too.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from huifang_tui import cli
from huifang_tui.core.identity import Actor
from huifang_tui.services.base import Conflict
from huifang_tui.services.board import reassign
from huifang_tui.services.recording import defer
from huifang_tui.services.calls import open_call, release
from huifang_tui.services.users import os_login

from factories import add_callback, add_customer, add_user

AGENT = Actor("agent1", "agent", "陈晓雯")
NUMBER, OTHER = "HF202611001", "HF202611002"


@pytest.fixture
def centre(store, monkeypatch, capsys):
    """The OS login is a supervisor; agent1's customer has two callbacks past their deadline."""
    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, os_login(), "supervisor")
    add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "agent2", "agent", "王小明")
    today = date.today()
    cid = add_customer(store, "杭州恒达机械有限公司", agent="agent1")
    for number in (NUMBER, OTHER):
        add_callback(store, cid, number, agent="agent1", due_on=today - timedelta(days=10),
                     deadline_on=today - timedelta(days=5))
    capsys.readouterr()
    return store


def _claim(store, number: str = NUMBER, minutes_ago: int = 0) -> datetime:  # noqa: ANN001
    """agent1 opens ``number`` (from a live process, pid 1), ``minutes_ago`` minutes ago."""
    at = datetime.now().replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    store.clock = lambda: at
    open_call(store, AGENT, number, pid=1)
    store.clock = datetime.now
    return at


def _run(capsys, *args: str) -> tuple[int, str, str]:  # noqa: ANN001
    rc = cli.main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _refused(rc: int, out: str, err: str, since: datetime) -> None:
    assert rc == 2 and not out
    line = err.strip()
    assert "\n" not in line and "agent1" in line and since.strftime("%H:%M") in line, err


def test_assign_is_refused_while_the_customer_is_on_a_call(centre, capsys):
    since = _claim(centre, OTHER)  # the same customer's other callback: the claim covers the customer
    _refused(*_run(capsys, "assign", NUMBER, "agent2"), since)
    _refused(*_run(capsys, "assign", NUMBER, "pool"), since)
    release(centre, AGENT, OTHER, pid=1)
    assert _run(capsys, "assign", NUMBER, "agent2")[0] == 0


def test_the_refusal_says_since_when_the_call_is_open_not_the_last_key(centre, capsys):
    from huifang_tui.services.calls import heartbeat

    opened = _claim(centre, minutes_ago=8)
    heartbeat(centre, AGENT, NUMBER, active_at=datetime.now())  # agent1 typed just now: renewed
    _refused(*_run(capsys, "assign", NUMBER, "agent2"), opened)


def test_assign_goes_through_once_the_claim_has_expired(centre, capsys):
    _claim(centre, minutes_ago=11)  # nobody pressed a key for 11 minutes: the claim has run out
    rc, _, err = _run(capsys, "assign", NUMBER, "agent2")
    assert rc == 0, err


def test_lapse_is_refused_while_the_customer_is_on_a_call(centre, capsys):
    since = _claim(centre)
    _refused(*_run(capsys, "lapse", NUMBER, OTHER, "--reason", "客户停业"), since)
    rc, out, _ = _run(capsys, "callbacks", "--json")
    assert {r["status"] for r in json.loads(out)} == {"open"}  # all or nothing
    release(centre, AGENT, NUMBER, pid=1)
    rc, _, err = _run(capsys, "lapse", NUMBER, OTHER, "--reason", "客户停业")
    assert rc == 0, err


def test_defer_and_the_boards_reassign_ask_the_same_question(centre):
    sup = Actor(os_login(), "supervisor", "周主管")
    since = _claim(centre)
    centre.clock = datetime.now
    with pytest.raises(Conflict, match="agent1") as e:
        defer(centre, sup, OTHER, "客户出差")
    assert since.strftime("%H:%M") in str(e.value)
    res = reassign(centre, sup, [NUMBER, OTHER], "agent2")
    assert res.moved == [] and [n for n, _ in res.skipped] == [NUMBER, OTHER]
    assert all("agent1" in why and since.strftime("%H:%M") in why for _, why in res.skipped)
    release(centre, AGENT, NUMBER, pid=1)
    assert reassign(centre, sup, [NUMBER, OTHER], "agent2").moved == [NUMBER, OTHER]
    defer(centre, sup, OTHER, "客户出差")
