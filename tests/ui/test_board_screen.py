"""The supervisor board screen (issue 12 §1, §6): supervisors open on it; it shows each agent
and the alerts; it refreshes by itself when another process commits; reassigning one callback,
several marked ones, and a customer's future callbacks, from the board and the drill-down."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import NOW
from factories import add_callback, add_customer, add_user
from pilot_help import settle
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.services.base import Actor, Store
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store.models import AuditEntry, Callback, Customer



@pytest.fixture
def centre(store):
    add_user(store, "agent1", name="陈晓雯")
    add_user(store, "agent2", name="刘思琪")
    add_user(store, "supervisor", "supervisor", name="周建华")
    c1 = add_customer(store, "甲公司")
    add_callback(store, c1, "HF202611001", deadline_on=date(2026, 11, 20), due_on=date(2026, 11, 18))  # overdue
    add_callback(store, add_customer(store, "乙公司"), "HF202611002", deadline_on=date(2026, 11, 19),
                 due_on=date(2026, 11, 18))  # overdue
    add_callback(store, c1, "HF202611003", due_on=date(2026, 12, 7), deadline_on=date(2026, 12, 10),
                 trigger="later")  # 甲公司's future callback
    return store


def _agent(store: Store, number: str) -> str | None:
    with store.read() as s:
        return s.exec(select(Callback.agent_login).where(Callback.number == number)).one()


def _app(store: Store) -> HuifangApp:
    return HuifangApp(store, Actor("supervisor", "supervisor", "周建华"), cursor_blink=False)


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)
    await pilot.press("enter")


async def test_supervisor_opens_on_the_board(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        from huifang_tui.screens.board import BoardScreen

        assert isinstance(app.screen, BoardScreen)
        agents = app.screen.query_one("#board-agents")
        assert agents.row_count == 3  # agent1, agent2, the pool (the supervisor has no work today)
        assert [a.number for a in app.screen.board.alerts if a.kind == "overdue"] == ["HF202611002", "HF202611001"]


async def test_reassign_one_alert_to_another_agent(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#board-alerts").focus()
        await pilot.press("t")
        await _type(pilot, "agent2")
        await settle(pilot)
        assert _agent(centre, "HF202611002") == "agent2"  # the first alert (oldest overdue)
        assert _agent(centre, "HF202611001") == "agent1"
        await settle(pilot)
        fig = {r.login: r.figures for r in app.screen.board.rows}
        assert (fig["agent1"].remaining, fig["agent2"].remaining) == (1, 1)
    with centre.read() as s:
        row = s.exec(select(AuditEntry).where(AuditEntry.action == "callback.reassign")).one()
        assert row.login == "supervisor" and row.entity_id == "HF202611002"


async def test_reassign_marked_alerts_to_the_pool(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#board-alerts").focus()
        await pilot.press("space", "space")  # mark both, the cursor moves down
        assert app.screen.marked == {"HF202611001", "HF202611002"}
        await pilot.press("t")
        await _type(pilot, "pool")
        await settle(pilot)
        assert _agent(centre, "HF202611001") is None and _agent(centre, "HF202611002") is None
        assert app.screen.marked == set()


async def test_reassign_a_customers_future_callbacks_from_the_drill_down(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agents = app.screen.query_one("#board-agents")
        agents.focus()
        await pilot.press("enter")  # agent1's queue
        await settle(pilot)
        from huifang_tui.screens.board import AgentQueueScreen

        assert isinstance(app.screen, AgentQueueScreen)
        assert [r.number for r in app.screen.rows] == ["HF202611002", "HF202611001"]
        await pilot.press("down")  # 甲公司's HF202611001
        await pilot.press("f")
        await _type(pilot, "agent2")
        await settle(pilot)
        assert _agent(centre, "HF202611001") == "agent2"
        assert _agent(centre, "HF202611003") == "agent2"  # not yet due: moved with the customer
        assert _agent(centre, "HF202611002") == "agent1"
        with centre.read() as s:
            assert s.exec(select(Customer.agent_login).where(Customer.name == "甲公司")).one() == "agent2"
        assert [r.number for r in app.screen.rows] == ["HF202611002"]


async def test_reassign_to_an_unknown_login_changes_nothing(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#board-alerts").focus()
        await pilot.press("t")
        await _type(pilot, "nobody")
        await settle(pilot)
        assert _agent(centre, "HF202611002") == "agent1"


async def test_the_board_refreshes_when_another_process_commits(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        other = Store(centre.url, clock=lambda: NOW)  # another connection, as another process
        record_attempt(other, Actor("agent1", "agent"), "HF202611001",
                       CallRecord(outcome="completed", reached_name="王经理", score_resolution=1, score_attitude=4))
        app.screen._check_changes()  # what the 2-second timer does: data_version moved → reload
        await settle(pilot)
        fig = {r.login: r.figures for r in app.screen.board.rows}
        assert (fig["agent1"].done, fig["agent1"].due) == (1, 2)
        assert ("low_score", "HF202611001") in {(a.kind, a.number) for a in app.screen.board.alerts}


async def test_an_agent_has_no_board(store):
    add_user(store, "agent1")
    app = HuifangApp(store, Actor("agent1", "agent", "agent1"), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        from huifang_tui.screens.queue import QueueScreen

        assert isinstance(app.screen, QueueScreen)


async def test_drill_into_a_callback_and_a_complaint(centre):
    from huifang_tui.screens.dialogs import MessageDialog
    from huifang_tui.services.issues import raise_issue

    raise_issue(centre, Actor("agent1", "agent"), "HF202611001", title="设备反复报警", is_complaint=True)
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#board-alerts")
        table.focus()
        await pilot.press("enter")  # the complaint comes first
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "设备反复报警" in app.screen.body and "L2" in app.screen.body
        await pilot.press("escape")
        await pilot.press("down", "enter")  # an overdue callback
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "HF2026110" in app.screen.body and "138****5678" in app.screen.body
        assert "13812345678" not in app.screen.body


async def test_one_load_at_a_time_and_a_change_during_a_load_is_loaded_after_it(centre, monkeypatch):
    """A slow read must never paint over a newer one: loads never overlap, and a change seen
    during a load makes exactly one more load after it."""
    import threading

    from huifang_tui.screens.board import BoardScreen

    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        gate, calls, active, most = threading.Event(), [], [0], [0]
        real_fetch = BoardScreen.fetch

        def slow_fetch(self):  # noqa: ANN001, ANN202
            calls.append(len(calls))
            active[0] += 1
            most[0] = max(most[0], active[0])
            try:
                if len(calls) == 1:
                    gate.wait(5)
                return real_fetch(self)
            finally:
                active[0] -= 1

        monkeypatch.setattr(BoardScreen, "fetch", slow_fetch)
        screen.request_load()
        await pilot.pause()
        record_attempt(Store(centre.url, clock=lambda: NOW), Actor("agent1", "agent"), "HF202611001",
                       CallRecord(outcome="completed", reached_name="王经理", score_resolution=4, score_attitude=4))
        screen.request_load()  # while the first is still reading
        screen.request_load()
        await pilot.pause()
        assert calls == [0]  # no second read started
        gate.set()
        await settle(pilot)
        await settle(pilot)
        assert calls[:2] == [0, 1] and most[0] == 1  # one more after the first, never two at once
        fig = {r.login: r.figures for r in screen.board.rows}
        assert fig["agent1"].done == 1


async def test_lapse_marked_stale_work_with_a_reason(centre):
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#board-alerts").focus()
        await pilot.press("space", "space")  # both overdue callbacks
        await pilot.press("x")
        await _type(pilot, "客户已停业")
        await settle(pilot)
        with centre.read() as s:
            rows = s.exec(select(Callback.status, Callback.note).where(
                Callback.number.in_(["HF202611001", "HF202611002"]))).all()
        assert [st for st, _ in rows] == ["lapsed", "lapsed"] and all("客户已停业" in n for _, n in rows)
        assert not [a for a in app.screen.board.alerts if a.kind == "overdue"]



async def test_reassign_by_display_name_and_names_on_the_board(centre):
    """Issue 22 §15: the dialog takes a display name; the alerts, the drill-down title and the
    notice name people as people know them (the login too where there is room)."""
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        alerts = app.screen.query_one("#board-alerts")
        assert "陈晓雯" in str(alerts.get_row_at(0)[4])  # the agent's name, not agent1
        alerts.focus()
        await pilot.press("t")
        await _type(pilot, "刘思琪")
        await settle(pilot)
        assert _agent(centre, "HF202611002") == "agent2"
        assert any("刘思琪 (agent2)" in str(n.message) for n in app._notifications)
        agents = app.screen.query_one("#board-agents")
        agents.focus()
        await pilot.press("enter")  # agent1's queue
        await settle(pilot)
        assert "陈晓雯 (agent1)" in str(app.screen.query_one("#drill-status").render())


async def test_reassign_to_an_ambiguous_or_unknown_name_says_why(centre):
    add_user(centre, "agent3", name="刘思琪")  # a second 刘思琪
    app = _app(centre)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#board-alerts").focus()
        await pilot.press("t")
        await _type(pilot, "刘思琪")
        await settle(pilot)
        assert _agent(centre, "HF202611002") == "agent1"
        said = " ".join(str(n.message) for n in app._notifications)
        assert "刘思琪 (agent2)" in said and "刘思琪 (agent3)" in said
        await pilot.press("t")
        await _type(pilot, "陈晓文")
        await settle(pilot)
        said = " ".join(str(n.message) for n in app._notifications)
        assert "没有这位回访员" in said and "陈晓雯 (agent1)" in said and "user add" not in said
        assert _agent(centre, "HF202611002") == "agent1"
