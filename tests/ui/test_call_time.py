"""The call screen's 通话时间 field (issue 23: the stated time is the record): an agent who
called at 11:00 and types at 14:00 states when the call happened; empty means now."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.screens.call import CallScreen
from huifang_tui.screens.queue import QueueScreen
from huifang_tui.store.models import CallAttempt, Callback, Issue
from huifang_tui.widgets.score_row import ScoreRow

from conftest import NOW
from pilot_help import draft_comes_back, open_first, settle, workers_done

THURSDAY_3PM = datetime(2026, 11, 19, 15, 0)  # NOW is the Monday after: more than a working day late


def _cb(store) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == "HF202611001")).one()


def _attempts(store) -> list[CallAttempt]:
    with store.read() as s:
        return list(s.exec(select(CallAttempt)))


async def _type_time(pilot, screen, text: str) -> None:  # noqa: ANN001
    screen.query_one("#called_at").focus()
    await pilot.press(*text)


def _messages(app) -> str:  # noqa: ANN001
    return "\n".join(str(n.message) for n in app._notifications)


@pytest.mark.parametrize("text", ["2026-11-19 15:00", "2026-11-19T15:00", "周四 15:00"])
async def test_a_completion_is_recorded_at_the_stated_time_and_marked_late(desk, text):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, text)
        screen.query_one("#score_resolution", ScoreRow).focus()
        await pilot.press("4")
        screen.query_one("#score_attitude", ScoreRow).focus()
        await pilot.press("5")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), _messages(app)
    (attempt,) = _attempts(store)
    assert attempt.at == THURSDAY_3PM and attempt.entered_at == NOW and attempt.late_entry
    cb = _cb(store)
    assert cb.status == "completed" and cb.completed_at == THURSDAY_3PM


async def test_yesterday_is_read_back_from_the_apps_clock(desk):
    """`昨天 15:00` typed on Monday 09:30 is Sunday 15:00: entered within a working day, no 补录."""
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "昨天 15:00")
        await pilot.press("f4")  # 未接通
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), _messages(app)
    (attempt,) = _attempts(store)
    assert attempt.at == datetime(2026, 11, 22, 15, 0) and not attempt.late_entry


async def test_a_reschedule_reads_its_time_from_the_stated_day(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "2026-11-19 10:00")
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press(*"明天 10:00")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), _messages(app)
    cb = _cb(store)
    assert cb.next_attempt_at == datetime(2026, 11, 20, 10, 0)  # the Friday after the stated Thursday
    (attempt,) = _attempts(store)
    assert attempt.at == datetime(2026, 11, 19, 10, 0) and attempt.rescheduled_to == cb.next_attempt_at


async def test_an_unreadable_time_blocks_saving_and_names_the_field(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "上午十一点半左右")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        assert app.focused is screen.query_one("#called_at")
        text = _messages(app)
        assert t("call.field.called_at") in text and "上午十一点半左右" in text and "2026-01-22T15:00" in text
    assert _attempts(store) == [] and _cb(store).status == "open"


async def test_a_time_in_the_future_is_refused_like_any_save_error(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "2026-11-23 11:00")  # later than the app's clock (09:30)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        assert "2026-11-23 09:30" in _messages(app)  # the latest allowed: now
    assert _attempts(store) == []


async def test_an_empty_call_time_records_now(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        field = screen.query_one("#called_at")
        assert field.value == "" and field.placeholder == t("call.field.called_at_ph")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), _messages(app)
    (attempt,) = _attempts(store)
    assert attempt.at == NOW and not attempt.late_entry


async def test_an_issue_raised_on_the_call_takes_the_stated_time(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "2026-11-20 10:00")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"滤布更换后仍漏液")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not any(n.severity == "error" for n in app._notifications), _messages(app)
    with store.read() as s:
        issue = s.exec(select(Issue)).one()
    assert issue.raised_at == datetime(2026, 11, 20, 10, 0)
    assert issue.solve_by == date(2026, 11, 25)  # 一般: 3 working days from the stated Friday


async def test_the_call_time_is_kept_in_the_draft(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "昨天 15:00")
        await pilot.pause(1.0)
        await workers_done(app)
    await draft_comes_back(store, agent, "called_at", "昨天 15:00")


async def test_f1_on_the_call_screen_tells_what_the_call_time_is_for(desk):
    from huifang_tui.screens.help import HelpScreen

    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        note = app.screen.query_one("#help-note")
        assert str(note.render()) == t("call.field.called_at_help") and note.region.height >= 1  # on screen


async def test_the_same_customers_next_callback_keeps_the_call_time(two_due):
    """One phone call, two callbacks: the second is offered the time the first was stated at."""
    store, agent = two_due
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await _type_time(pilot, screen, "2026-11-19 15:00")
        screen.query_one("#score_resolution", ScoreRow).value = 5
        screen.query_one("#score_attitude", ScoreRow).value = 5
        await pilot.press("f3")
        await settle(pilot)
        await settle(pilot)
        nxt = app.screen
        assert isinstance(nxt, CallScreen) and nxt is not screen, _messages(app)
        assert nxt.query_one("#called_at").value == "2026-11-19 15:00:00"
        nxt.query_one("#score_resolution", ScoreRow).value = 4
        nxt.query_one("#score_attitude", ScoreRow).value = 4
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), _messages(app)
    assert {a.at for a in _attempts(store)} == {THURSDAY_3PM}
