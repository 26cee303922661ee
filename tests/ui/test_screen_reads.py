"""Screens read the store only through services, off the UI thread (issue 24 item 4): the queue
gets its rows, progress and claims from one service call in one read transaction; the call
screen's "does this outcome close the callback for good?" comes with its view model."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.services.calls import open_call, release
from huifang_tui.store.models import Callback

from factories import add_callback, add_customer, add_user
from pilot_help import open_first, settle


def _count_reads(monkeypatch, store) -> list[bool]:
    """Every ``store.read()`` from now on, as whether it ran on the UI (main) thread."""
    reads: list[bool] = []
    real = store.read

    def read():  # noqa: ANN202
        reads.append(threading.current_thread() is threading.main_thread())
        return real()

    monkeypatch.setattr(store, "read", read)
    return reads


async def test_the_queue_loads_in_one_read_transaction(store, monkeypatch):
    from huifang_tui.services.queue import queue_progress, queue_rows, queue_snapshot

    agent = add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", deadline_on=date(2026, 11, 27))
    add_callback(store, add_customer(store, "乙公司"), "HF202611002", due_on=date(2026, 11, 18),
                 deadline_on=date(2026, 11, 20))  # overdue
    add_callback(store, add_customer(store, "丙公司"), "HF202611003", agent=None)  # the pool
    now = store.now()
    snap = queue_snapshot(store, agent)
    assert snap.rows == queue_rows(store, agent, now.date(), now=now)
    assert snap.progress == queue_progress(store, agent, now.date(), now=now)
    assert snap.now == now and snap.version == store.data_version()

    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.7)  # the planner's start-up run (0.5 s after mount) is over
        await settle(pilot)
        reads = _count_reads(monkeypatch, store)
        await pilot.press("r")
        await settle(pilot)
        assert reads == [False]  # one read transaction, in the worker
        status = str(app.screen.query_one("#queue-status").render())
        assert "今日 应办 2 · 已尝试 0 · 已完成 0 · 剩余 2" in status and "逾期 1" in status  # issue 25 item 1


@pytest.mark.parametrize(("attempts", "closing"), [
    (0, {"refused": "refused", "wrong_number": "waiting_data"}),
    (2, {"refused": "refused", "wrong_number": "waiting_data", "no_answer": "unreachable",
         "busy": "unreachable", "phone_off": "unreachable", "wrong_person": "unreachable"}),
])
def test_the_call_view_says_which_outcomes_close_for_good(desk, attempts, closing):
    """max_attempts 3: the third try that does not reach the customer makes it unreachable."""
    store, agent = desk
    with store.write() as s:
        cb = s.exec(select(Callback)).one()
        cb.attempts = attempts
        s.add(cb)
    view = open_call(store, agent, "HF202611001")
    release(store, agent, "HF202611001")
    assert view.closing == closing


async def test_an_outcome_key_reads_nothing_on_the_ui_thread(desk, monkeypatch):
    from huifang_tui.screens.call import FinalOutcomeDialog

    store, agent = desk
    with store.write() as s:
        cb = s.exec(select(Callback)).one()
        cb.attempts = 2
        s.add(cb)
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first(pilot)
        reads = _count_reads(monkeypatch, store)
        await pilot.press("f4")  # 未接通 on the last allowed try: asks first
        await pilot.pause()
        assert isinstance(app.screen, FinalOutcomeDialog)
        assert True not in reads
