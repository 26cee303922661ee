"""Requests to a supervisor on the screens (issue 25 item 5) and the no-answer warning (item 4), at
80×24: a 改约 past the deadline on the call screen and a deferral on the queue offer to ask the
supervisor (titled for what it is, reason and time carried over); the board approves or refuses
with one key; the agent's queue shows the answer."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.screens.board import BoardScreen
from huifang_tui.screens.queue import QueueScreen
from huifang_tui.screens.requests import AskSupervisorDialog, OptionalReasonDialog
from huifang_tui.services import requests as req
from huifang_tui.services.assignment import assign
from huifang_tui.services.base import Actor
from huifang_tui.store.models import Callback, SupervisorRequest

from conftest import NOW
from factories import add_callback, add_customer, add_user
from pilot_help import open_first, settle

SIZE = (80, 24)
TOMORROW = datetime(2026, 11, 24, 10, 0)
SUP = Actor("supervisor", "supervisor", "周主管")


@pytest.fixture
def last_day(store):
    """agent1's callback whose deadline is today (and a supervisor, another agent)."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "supervisor", "supervisor", "周主管")
    add_user(store, "agent2", "agent", "李明")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=NOW.date())
    return store, agent


def _requests(store) -> list[SupervisorRequest]:
    with store.read() as s:
        return list(s.exec(select(SupervisorRequest).order_by(SupervisorRequest.id)))


def _cb(store) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == "HF202611001")).one()


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


def _notices(app) -> str:
    return "\n".join(str(n.message) + " " + str(n.title) for n in app._notifications)


async def _asks_the_supervisor(pilot, typed: str, title: str, wanted: str, reason: str) -> AskSupervisorDialog:  # noqa: ANN001
    """*typed* and Enter open the dialog asking the supervisor, titled *title* (a key), not an
    error, with *wanted* and *reason* filled in: the dialog."""
    app = pilot.app
    await _type(pilot, typed)
    await pilot.press("enter")
    await settle(pilot)
    dlg = app.screen
    assert isinstance(dlg, AskSupervisorDialog), _notices(app)
    assert str(dlg.query_one("#ask-title").render()) == t(title)
    assert t("err.title") not in _notices(app)  # not "something went wrong"
    assert dlg.query_one("#ask-wanted").value == wanted
    assert dlg.query_one("#ask-reason").value == reason
    return dlg


async def test_a_reschedule_past_the_deadline_offers_to_ask_the_supervisor(last_day):
    store, agent = last_day
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(pilot)
        screen.query_one("#note").value = "客户出差到周二"
        await pilot.press("f8")  # 改约
        await pilot.pause()
        await _asks_the_supervisor(pilot, "明天 10:00", "requests.ask.title_reschedule", "2026-11-24 10:00",
                                   "客户出差到周二")  # the note typed, carried over
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), _notices(app)
        (r,) = _requests(store)
        assert (r.kind, r.wanted_at, r.reason, r.state) == ("reschedule", TOMORROW, "客户出差到周二", "pending")
        await settle(pilot)
        line = str(app.screen.query_one("#queue-requests").render())
        assert "HF202611001" in line and t("requests.mark.pending") in line


async def test_a_deferral_past_the_deadline_from_the_queue_keeps_the_reason(last_day):
    store, agent = last_day
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        dlg = await _asks_the_supervisor(pilot, "客户出差", "requests.ask.title_defer", "2026-11-24", "客户出差")
        dlg.query_one("#ask-wanted").value = "2026-11-26"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    (r,) = _requests(store)
    assert (r.kind, r.wanted_at.date(), r.reason) == ("defer", date(2026, 11, 26), "客户出差")
    assert _cb(store).due_on == NOW.date()  # nothing applied by asking


async def test_esc_does_not_ask(last_day):
    store, agent = last_day
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await _type(pilot, "客户出差")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AskSupervisorDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    assert _requests(store) == []


async def _board_on_request(pilot, app) -> None:
    await settle(pilot)
    assert isinstance(app.screen, BoardScreen)
    table = app.screen.query_one("#board-alerts")
    table.focus()
    keys = [r.value for r in table.rows]
    table.move_cursor(row=keys.index("supervisor_request:HF202611001"))
    await pilot.pause()


async def test_the_board_approves_a_request_with_one_key(last_day):
    store, agent = last_day
    req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    app = HuifangApp(store, SUP, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _board_on_request(pilot, app)
        await pilot.press("a")
        await settle(pilot)
        assert not [a for a in app.screen.board.alerts if a.kind == "supervisor_request"]
    (r,) = _requests(store)
    assert (r.state, r.decided_by) == ("approved", "supervisor")
    assert _cb(store).next_attempt_at == TOMORROW


async def test_the_board_refuses_a_request_with_an_optional_reason_and_the_agent_sees_it(last_day):
    store, agent = last_day
    req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    app = HuifangApp(store, SUP, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _board_on_request(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, OptionalReasonDialog)
        await _type(pilot, "今天下午再打")
        await pilot.press("enter")
        await settle(pilot)
    (r,) = _requests(store)
    assert (r.state, r.answer) == ("refused", "今天下午再打")
    assert _cb(store).next_attempt_at is None
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one("#queue-requests").render())
        assert "今天下午再打" in line and "周主管" in line
        table = app.screen.query_one("#queue-table")
        assert t("requests.mark.refused") in str(table.get_row_at(0))


async def test_the_board_says_so_when_the_callback_was_reassigned_meanwhile(last_day):
    store, agent = last_day
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    app = HuifangApp(store, SUP, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _board_on_request(pilot, app)
        assign(store, SUP, "HF202611001", "agent2")  # meanwhile, elsewhere
        await pilot.press("a")
        await settle(pilot)
        assert "agent2" in _notices(app)
    assert _cb(store).next_attempt_at is None
    with store.read() as s:
        assert s.get(SupervisorRequest, view.id).state == "stale"


async def test_no_answer_on_the_last_day_warns_it_will_be_overdue(last_day):
    """Item 4: F4 (no answer) plans the next attempt for tomorrow 08:30, past today's deadline."""
    store, agent = last_day
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert t("requests.will_be_overdue") in _notices(app)
