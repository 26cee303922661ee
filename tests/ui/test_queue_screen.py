"""Daily queue behaviour (SPEC §4): order, filters, refresh when another process writes."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable

from huifang_tui.app import HuifangApp
from huifang_tui.services.base import Store

from factories import add_callback, add_customer, add_user


def _numbers(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]


async def test_order_low_score_then_overdue_then_deadline(store):
    agent = add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", deadline_on=date(2026, 11, 27))
    add_callback(store, add_customer(store, "乙公司"), "HF202611002", due_on=date(2026, 11, 18),
                 deadline_on=date(2026, 11, 20))  # overdue
    add_callback(store, add_customer(store, "丙公司"), "HF202611003", kind="low_score", priority=0,
                 deadline_on=date(2026, 11, 24))
    add_callback(store, add_customer(store, "丁公司"), "HF202611004", deadline_on=date(2026, 11, 24))
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _numbers(app) == ["HF202611003", "HF202611002", "HF202611004", "HF202611001"]
        status = str(app.screen.query_one("#queue-status").render())
        assert "今日 应办 4 · 已尝试 0 · 已完成 0 · 剩余 4" in status and "逾期 1" in status  # issue 25 item 1
        await pilot.press("s", "s", "s")  # all → new → tried → overdue
        await pilot.pause()
        assert _numbers(app) == ["HF202611002"]


@pytest.mark.both_backends  # PostgreSQL: the change counter instead of PRAGMA data_version
async def test_refreshes_when_another_process_writes(store):
    agent = add_user(store, "agent1", "agent")
    cid = add_customer(store, "甲公司")
    add_callback(store, cid, "HF202611001")
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _numbers(app) == ["HF202611001"]
        other = Store(store.url, clock=store.clock)  # a second engine = another agent's process
        add_callback(other, cid, "HF202611002", kind="usage", trigger="wo:x")
        app.screen._check_changes()  # what the 3-second timer does
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sorted(_numbers(app)) == ["HF202611001", "HF202611002"]


async def test_progress_counts_as_the_board_counts(store):
    from huifang_tui.services.recording import CallRecord, defer, record_attempt
    from huifang_tui.services.queue import queue_progress

    agent = add_user(store, "agent1", "agent")
    for n in range(1, 4):
        add_callback(store, add_customer(store, f"客户{n}"), f"HF20261100{n}", deadline_on=date(2026, 11, 27))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    defer(store, agent, "HF202611002", "客户出差")
    p = queue_progress(store, agent, date(2026, 11, 23))
    # Issue 25 item 1: the retry and the deferral moved to a later day, yet they stay in the
    # day's due (they dropped out before): tried 1, put off 1, left 1.
    assert (p.done_today, p.due_today, p.attempted, p.deferred, p.left) == (0, 3, 1, 1, 1)
    record_attempt(store, agent, "HF202611003", CallRecord(outcome="completed", reached_name="王经理",
                                                           score_resolution=4, score_attitude=5))
    p = queue_progress(store, agent, date(2026, 11, 23))
    assert (p.done_today, p.due_today, p.attempted, p.left) == (1, 3, 2, 0)


async def test_supervisor_sees_the_unreachable_alert(store):
    from huifang_tui.services.recording import CallRecord, record_attempt

    agent = add_user(store, "agent1", "agent")
    sup = add_user(store, "supervisor", "supervisor")
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", deadline_on=date(2026, 11, 27))
    with store.write() as s:  # two earlier attempts already made
        from huifang_tui.store.models import Callback
        from sqlmodel import select

        cb = s.exec(select(Callback)).one()
        cb.attempts = 2
        s.add(cb)
    res = record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    assert res.status == "unreachable" and res.alert_supervisor  # SPEC §3: max_attempts = 3
    app = HuifangApp(store, sup)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("f2")  # supervisors open on the board; their own queue is on F2
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "无法联系 1" in str(app.screen.query_one("#queue-status").render())
