"""Pilot flows of issue 16: typing ahead across Tab, confirmed final outcomes, undo, carry-over."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.screens.call import CallScreen
from huifang_tui.store.models import Callback

from factories import add_callback, add_customer, add_user


@pytest.fixture
def desk(store):
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", kind="completion", trigger="wo:SX202611001",
                 deadline_on=date(2026, 11, 25))
    return store, agent


async def burst(pilot, *keys: str) -> None:
    """Send keys the way a fast typist's terminal delivers them: all queued before any is handled
    (``pilot.press`` waits for the app to be idle after each key, which hides ordering bugs)."""
    from textual import events

    driver = pilot.app._driver
    for key in keys:
        char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()
    await pilot.pause()


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _open_first(pilot):
    await _settle(pilot)
    await pilot.press("enter")
    await _settle(pilot)
    assert isinstance(pilot.app.screen, CallScreen)
    return pilot.app.screen


def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


async def test_burst_across_tab_lands_in_the_focused_fields(desk):
    """Issue 16 item 1: every keystroke goes where the focus is when it is pressed."""
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_first(pilot)
        screen.query_one("#reached_name").value = ""
        await burst(pilot, *"王经理", "tab", *"技术负责人", "tab", *"很好", "enter", *"没有", "shift+tab")
        await pilot.pause()
        assert screen.query_one("#reached_name").value == "王经理"
        assert screen.query_one("#reached_position").value == "技术负责人"
        assert screen.query_one("#q0").value == "很好"
        assert screen.query_one("#q1").value == "没有"
        assert app.focused is screen.query_one("#q0")  # shift+tab went back one field
