"""A callback the agent asked a supervisor about that day is handled: it counts as put off in the
day's figures (the queue header, `t`, the board, the first paint), stays in 应办 and never blocks
the day close (issue 25 item 1 of the agent's walk)."""

from __future__ import annotations

from datetime import datetime

import pytest

from huifang_tui.services import requests as req
from huifang_tui.services.board import board
from huifang_tui.services.dayclose import check_close, untouched
from huifang_tui.services.figures import my_day
from huifang_tui.services.queue import queue_progress
from huifang_tui.store import db, fastread

from conftest import NOW
from factories import add_callback, add_customer, add_user

D = NOW.date()
TOMORROW = datetime(2026, 11, 24, 10, 0)


@pytest.fixture
def asked(store):
    """agent1 has two callbacks due today, one past its deadline today."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "sup1", "supervisor", "周主管")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司"), "HF202611001", deadline_on=D)
    add_callback(store, add_customer(store, "宁波东方电气"), "HF202611002", deadline_on=D)
    return store, agent, sup


def _line(store, agent, sup) -> tuple:
    f = my_day(store, agent, D)
    row = board(store, sup, D).as_json()["agents"]["agent1"]
    return (f.due, f.attempted, f.left, f.deferred), (row["due"], row["remaining"], row["deferred"])


@pytest.mark.parametrize("answer", ["pending", "refused"])
def test_asking_the_supervisor_counts_as_put_off_and_does_not_block_the_day_close(asked, answer):
    store, agent, sup = asked
    assert _line(store, agent, sup) == ((2, 0, 2, 0), (2, 2, 0))
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差，明天回来")
    if answer == "refused":
        req.refuse(store, sup, view.id, "先打一次")
    # still in 应办, no longer left: put off
    assert _line(store, agent, sup) == ((2, 0, 1, 1), (2, 1, 1))
    assert queue_progress(store, agent, D).figures == my_day(store, agent, D).day
    conn = fastread.connect(str(db.sqlite_path(store.url)))
    _rows, first = fastread.queue_snapshot(conn, "agent1", "agent", store.now())
    assert first == queue_progress(store, agent, D)
    # the day close lists only the one neither tried, put off nor asked about
    assert [r.number for r in untouched(store, agent, D)] == ["HF202611002"]
    assert [r.number for r in check_close(store, agent, D)] == ["HF202611002"]
