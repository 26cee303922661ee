"""Pilot flows of issue 16: typing ahead across Tab, confirmed final outcomes, undo, carry-over."""

from __future__ import annotations


import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.screens.call import CallScreen
from huifang_tui.store.models import Callback

from pilot_help import open_first, settle



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




def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


async def test_burst_across_tab_lands_in_the_focused_fields(desk):
    """Issue 16 item 1: every keystroke goes where the focus is when it is pressed."""
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        screen.query_one("#reached_name").value = ""
        await burst(pilot, *"王经理", "tab", *"技术负责人", "tab", *"很好", "enter", *"没有", "shift+tab")
        await pilot.pause()
        assert screen.query_one("#reached_name").value == "王经理"
        assert screen.query_one("#reached_position").value == "技术负责人"
        assert screen.query_one("#q0").value == "很好"
        assert screen.query_one("#q1").value == "没有"
        assert app.focused is screen.query_one("#q0")  # shift+tab went back one field


async def test_refused_asks_for_the_reason_escape_records_nothing(desk):
    """Issue 16 item 3, issue 22 §7: 拒访 opens a dialog asking the customer's reason (required,
    one line); Esc goes back to the form with nothing recorded; an empty reason is refused in
    the dialog; the reason typed is stored with the attempt."""
    from huifang_tui.screens.call import RefusalDialog
    from huifang_tui.screens.queue import QueueScreen
    from huifang_tui.store.models import CallAttempt

    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await pilot.press("f9")  # 拒访
        await settle(pilot)
        assert isinstance(app.screen, RefusalDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.form.editing
        assert _cb(store).status == "open" and _cb(store).attempts == 0
        await pilot.press("f9")
        await settle(pilot)
        dialog = app.screen
        await pilot.press("enter")  # no reason: the dialog stays and says it is required
        await settle(pilot)
        assert app.screen is dialog and "原因" in str(dialog.query_one("#dialog-error").render())
        await pilot.press(*"设备运行正常", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    assert _cb(store).status == "refused"
    with store.read() as s:
        assert s.exec(select(CallAttempt)).one().reason == "设备运行正常"


async def test_the_outcome_confirmation_is_not_a_yes_no_dialog(desk):
    """Issue 16 items 2–3: only Enter confirms (and Esc goes back); a stray y or n typed into the
    confirmation does nothing, and F1 lists its keys."""
    from huifang_tui.screens.call import FinalOutcomeDialog
    from huifang_tui.screens.help import HelpScreen

    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("f7")  # 号码错误
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FinalOutcomeDialog)
        await pilot.press("y", "n")
        await settle(pilot)
        assert app.screen is dialog
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is dialog
    assert _cb(store).status == "open" and _cb(store).attempts == 0


@pytest.mark.parametrize(("outcome_key", "attempts", "asks"), [
    ("f4", 2, True),   # 未接通 on the last allowed attempt (max_attempts 3): unreachable
    ("f4", 1, False),  # 未接通 with tries left: no question
    ("f7", 0, True),   # 号码错误
])
async def test_which_outcomes_ask(desk, outcome_key, attempts, asks):
    from huifang_tui.screens.call import FinalOutcomeDialog

    store, agent = desk
    with store.write() as s:
        cb = s.exec(select(Callback)).one()
        cb.attempts = attempts
        s.add(cb)
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first(pilot)
        await pilot.press(outcome_key)
        await settle(pilot)
        assert isinstance(app.screen, FinalOutcomeDialog) is asks
        if asks:
            await pilot.press("enter")
            await settle(pilot)
    assert _cb(store).attempts == attempts + 1


async def _complete_low(pilot, screen):
    from huifang_tui.widgets.score_row import ScoreRow

    screen.query_one("#score_resolution", ScoreRow).value = 2
    screen.query_one("#score_attitude", ScoreRow).value = 4
    await pilot.press("f3")
    await settle(pilot)


async def test_undo_from_the_queue_cancels_the_followup(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _complete_low(pilot, screen)
        with store.read() as s:
            low = s.exec(select(Callback).where(Callback.kind == "low_score")).one()
        await pilot.press("u")
        await settle(pilot)
        texts = [n.message for n in app._notifications]
    assert any("已撤销 HF202611001" in m and low.number in m for m in texts), texts
    assert _cb(store).status == "open" and _cb(store, low.number).status == "cancelled"


async def test_undo_from_the_queue_too_late(desk):
    from datetime import timedelta

    from conftest import NOW

    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _complete_low(pilot, screen)
        store.clock = lambda: NOW + timedelta(minutes=11)
        await pilot.press("u")
        await settle(pilot)
        texts = [n.message for n in app._notifications]
    assert any("已超过 10 分钟" in m for m in texts), texts
    assert _cb(store).status == "completed"




async def test_undo_from_the_queue_not_the_author(desk):
    """The agent's last outcome was followed by the supervisor's on the same callback: the agent's
    u is refused, naming who recorded it."""
    from huifang_tui.services.base import Actor
    from huifang_tui.services.recording import CallRecord, record_attempt

    store, agent = desk
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="no_answer"))
    record_attempt(store, Actor("supervisor", "supervisor", "周主管"), "HF202611001",
                   CallRecord(outcome="refused", reason="客户不需要回访"))
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        texts = [n.message for n in app._notifications]
    assert any("supervisor 记录的，只有记录人本人可以撤销" in m for m in texts), texts
    assert _cb(store).status == "refused" and _cb(store).attempts == 2


async def test_same_customer_twice_carries_the_person_and_offers_the_scores(two_due):
    """Issue 16 item 6: the person reached carries over; scores are offered, adopted only on Enter."""
    from huifang_tui.widgets.score_row import ScoreRow

    store, agent = two_due
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        first = await open_first(pilot)
        first.query_one("#reached_name").value = "李工"
        first.query_one("#reached_position").value = "设备主管"
        first.query_one("#score_resolution", ScoreRow).value = 4
        first.query_one("#score_attitude", ScoreRow).value = 5
        await pilot.press("f3")
        await settle(pilot)
        await settle(pilot)
        second = app.screen
        assert isinstance(second, CallScreen) and second is not first
        assert second.view.callback.number != first.view.callback.number
        assert second.query_one("#reached_name").value == "李工"
        assert second.query_one("#reached_position").value == "设备主管"
        res = second.query_one("#score_resolution", ScoreRow)
        att = second.query_one("#score_attitude", ScoreRow)
        assert (res.value, att.value) == (None, None)  # never copied silently
        assert "上一项评分 4/5 — 按 Enter 采用" in str(res.render())
        await pilot.press("f3")  # not confirmed: the completion still needs both scores
        await settle(pilot)
        assert app.screen is second
        res.focus()
        await pilot.press("enter")  # adopt 4 and move on
        await pilot.press("3")  # the agent scores attitude differently
        await pilot.pause()
        assert (res.value, att.value) == (4, 3)
        await pilot.press("f3")
        await settle(pilot)
    two = _cb(store, second.view.callback.number)
    assert (two.status, two.reached_name, two.score_resolution, two.score_attitude) == ("completed", "李工", 4, 3)
