"""An approved request to a supervisor (issue 25 item 5): the 改约 or deferral is the requesting
agent's call outcome, counted in the agent's day figures; the supervisor only authorised it (the
audit names them) and their own figures do not move. The approval names every callback it moves."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.services import requests as req
from huifang_tui.services.figures import login_figures
from huifang_tui.store.models import AuditEntry, CallAttempt

from conftest import NOW
from factories import add_callback, add_customer, add_user

TOMORROW = datetime(2026, 11, 24, 10, 0)


@pytest.fixture
def desk(store):
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "sup1", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=NOW.date())
    add_callback(store, cid, "HF202611002", deadline_on=NOW.date())  # the same customer: one call
    other = add_customer(store, "宁波远航")
    add_callback(store, other, "HF202611009", agent="sup1")  # the supervisor's own work
    return store, agent, sup


def _figures(store):
    with store.read() as s:
        return {login: login_figures(s, login, NOW.date(), NOW).day for login in ("agent1", "sup1")}


@pytest.mark.parametrize("kind,wanted", [("reschedule", TOMORROW), ("defer", date(2026, 11, 25))])
def test_an_approval_counts_for_the_agent_not_the_supervisor(desk, kind, wanted):
    store, agent, sup = desk
    before = _figures(store)
    view = req.ask(store, agent, "HF202611001", kind, wanted, "客户出差")
    req.approve(store, sup, view.id)
    after = _figures(store)
    assert after["sup1"] == before["sup1"]  # the supervisor tried nothing
    assert after["agent1"].due == before["agent1"].due == 2  # still in the agent's 应办
    if kind == "reschedule":
        assert after["agent1"].attempted == 2  # the call: both of the customer's callbacks
    else:
        assert after["agent1"].deferred == 1 and after["agent1"].left == 1
    with store.read() as s:
        assert {a.agent_login for a in s.exec(select(CallAttempt))} <= {"agent1"}
        moved = [a for a in s.exec(select(AuditEntry).where(AuditEntry.entity == "callback"))
                 if a.action in ("callback.reschedule", "callback.defer")]
    assert moved and all(a.login == "sup1" for a in moved)  # the supervisor authorised it
    assert all(json.loads(a.after)["by"] == "agent1" for a in moved)  # on the agent's behalf
