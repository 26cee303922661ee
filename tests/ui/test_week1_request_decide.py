"""Deciding a request to a supervisor on the board (issue 25 item 5), at 80×24: the request's
dialog names every callback approving it moves (the rest of the call) and answers its own `a`/`n`;
the key bar offers `a`/`n` on a request alert, and Enter's words say what Enter does there; the
agent's answer names the callbacks moved too."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.screens.board import BoardScreen
from huifang_tui.screens.requests import OptionalReasonDialog, RequestDetail
from huifang_tui.services import requests as req
from huifang_tui.services.base import Actor
from huifang_tui.store.models import Callback, SupervisorRequest
from huifang_tui.widgets.keybar import KeyBar

from conftest import NOW
from factories import add_callback, add_customer, add_user
from pilot_help import settle

SIZE = (80, 24)
TOMORROW = datetime(2026, 11, 24, 10, 0)
SUP = Actor("supervisor", "supervisor", "周主管")


@pytest.fixture
def one_call(store):
    """agent1's two callbacks of one customer, both due today with today's deadline."""
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=NOW.date())
    add_callback(store, cid, "HF202611002", deadline_on=NOW.date())
    view = req.ask(store, agent, "HF202611001", "reschedule", TOMORROW, "客户出差")
    return store, agent, view


async def _on_request(pilot) -> BoardScreen:  # noqa: ANN001
    await settle(pilot)
    board = pilot.app.screen
    assert isinstance(board, BoardScreen)
    table = board.query_one("#board-alerts")
    table.focus()
    table.move_cursor(row=[r.value for r in table.rows].index("supervisor_request:HF202611001"))
    await pilot.pause()
    return board


def _keybar(app) -> str:  # noqa: ANN001
    return str(app.screen.query_one(KeyBar).render())


def _moved(store) -> dict[str, datetime | None]:
    with store.read() as s:
        return {c.number: c.next_attempt_at for c in s.exec(select(Callback))}


async def test_the_request_dialog_names_every_callback_and_a_approves_there(one_call):
    store, agent, view = one_call
    app = HuifangApp(store, SUP, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _on_request(pilot)
        await pilot.press("enter")
        await settle(pilot)
        dlg = app.screen
        assert isinstance(dlg, RequestDetail)
        body = dlg.body  # the text the dialog shows
        assert "HF202611001" in body and "HF202611002" in body  # what `a` moves, seen before it
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
    assert _moved(store) == {"HF202611001": TOMORROW, "HF202611002": TOMORROW}
    (mine,) = req.my_requests(store, agent)
    assert mine.state == "approved" and "HF202611002" in mine.answer_line()  # the agent's answer


async def test_n_in_the_request_dialog_refuses_as_the_board_key_does(one_call):
    store, _agent, view = one_call
    app = HuifangApp(store, SUP, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _on_request(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequestDetail)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, OptionalReasonDialog)
        await pilot.press("enter")
        await settle(pilot)
    with store.read() as s:
        assert s.get(SupervisorRequest, view.id).state == "refused"
    assert _moved(store) == {"HF202611001": None, "HF202611002": None}


async def test_the_key_bar_offers_a_and_n_on_a_request_alert_only(one_call):
    store, _agent, _view = one_call
    app = HuifangApp(store, SUP, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        board = await _on_request(pilot)
        bar = _keybar(app)
        assert t("requests.key.approve") in bar and t("requests.key.refuse") in bar
        assert t("key.drill") not in bar and t("key.open_detail") in bar  # Enter shows the alert in full
        board.query_one("#board-agents").focus()
        await pilot.pause()
        bar = _keybar(app)
        assert t("requests.key.approve") not in bar and t("key.drill") in bar
