"""Pilot flows of SPEC §4: open → scores → complete → follow-up; retries; 改约; day close; claims."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.screens.call import CallScreen
from huifang_tui.screens.queue import QueueScreen
from huifang_tui.store.models import Callback, CallDraft, Issue
from huifang_tui.widgets.score_row import ScoreRow

from factories import add_callback, add_customer, add_user
from pilot_help import draft_comes_back, open_first, settle, workers_done






def _cb(store, number="HF202611001") -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


async def test_complete_with_low_score_creates_followup(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        screen.query_one("#reached_position").value = "技术负责人"
        screen.query_one("#score_resolution", ScoreRow).focus()
        await pilot.press("2")
        screen.query_one("#score_attitude", ScoreRow).focus()
        await pilot.press("4")
        assert screen.query_one("#score_resolution", ScoreRow).value == 2
        assert screen.query_one("#score_attitude", ScoreRow).value == 4
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), [n.message for n in app._notifications]
    cb = _cb(store)
    assert cb.status == "completed" and cb.score_resolution == 2 and cb.reached_position == "技术负责人"
    with store.read() as s:
        low = s.exec(select(Callback).where(Callback.kind == "low_score")).one()
    assert low.trigger_ref == "cb:HF202611001"  # SPEC §3 low_score: within 24 h of completion


async def test_complete_without_scores_is_refused(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        assert isinstance(app.focused, ScoreRow)
    assert _cb(store).status == "open"


async def test_three_no_answers_make_it_unreachable(desk):
    store, agent = desk
    for i in range(3):
        app = HuifangApp(store, agent)
        async with app.run_test(size=(100, 30)) as pilot:
            await open_first(pilot)
            await pilot.press("f4")
            await workers_done(app)
            await pilot.pause()
            if i == 2:  # the last allowed attempt asks first (issue 16 item 3): Enter confirms
                await pilot.press("enter")
                await settle(pilot)
        cb = _cb(store)
        if cb.next_attempt_at is not None:  # SPEC §3: the next try only once it is allowed
            later = cb.next_attempt_at + timedelta(hours=10)
            store.clock = lambda later=later: later
    cb = _cb(store)
    assert cb.status == "unreachable" and cb.attempts == 3


async def test_reschedule_typed_as_text(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first(pilot)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press(*"明天 15:00")
        await pilot.press("enter")
        await settle(pilot)
    cb = _cb(store)
    assert cb.due_on == date(2026, 11, 24) and cb.next_attempt_at.hour == 15 and cb.attempts == 0


async def test_raise_issue_from_call(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press(*"滤布更换后仍漏液")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with store.read() as s:
        issue = s.exec(select(Issue)).one()
    assert issue.number == "WT202611001" and issue.title == "滤布更换后仍漏液"
    assert issue.solve_by == date(2026, 11, 26)  # 一般: 3 working days (SPEC §3 issue table)


async def test_day_close_refused_then_accepted(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        await workers_done(app)
        await pilot.press("c")  # refused before any question (issue 25 item 6)
        await settle(pilot)
        assert "不能日结" in str(app.screen.query_one("#dayclose-title").render())
        await pilot.press("escape")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"客户出差")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c", "y")
        await settle(pilot)
        assert "日结完成" in str(app.screen.query_one(".dialog-title").render())


async def test_draft_saved_as_typed_and_offered_back(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        screen.query_one("#suggestions").focus()
        await pilot.press(*"希望提供培训")
        await pilot.pause(1.0)
        await workers_done(app)
    await draft_comes_back(store, agent, "suggestions", "希望提供培训")


async def test_second_agent_cannot_claim_open_call(desk):
    from huifang_tui.services.base import Conflict
    from huifang_tui.services.calls import open_call

    store, agent = desk
    open_call(store, agent, "HF202611001", pid=1)  # pid 1 is alive: another live process holds it
    sup = add_user(store, "agent2", "supervisor")
    with pytest.raises(Conflict, match="agent1"):
        open_call(store, sup, "HF202611001")


async def test_one_call_per_customer_covers_their_other_callbacks(two_due):
    store, agent = two_due
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        assert [c.number for c in screen.view.same_day] == ["HF202611002"]
        await pilot.press("f4")  # no answer: one call, so both callbacks got the attempt
        await settle(pilot)
    assert _cb(store).attempts == 1 and _cb(store, "HF202611002").attempts == 1


async def test_completing_continues_with_the_same_customers_next_callback(two_due):
    store, agent = two_due
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        first = screen.view.callback.number
        screen.query_one("#score_resolution", ScoreRow).value = 5
        screen.query_one("#score_attitude", ScoreRow).value = 5
        await pilot.press("f3")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        assert app.screen.view.callback.number != first
    assert _cb(store, first).status == "completed"


def test_agents_cannot_work_follow_ups_meant_for_others(store):
    from huifang_tui.services.base import PermissionDenied
    from huifang_tui.services.recording import CallRecord, record_attempt

    agent = add_user(store, "agent1", "agent")
    add_user(store, "supervisor", "supervisor")
    cid = add_customer(store, "杭州恒达机械有限公司")
    number = "HF202611009"
    add_callback(store, cid, number, kind="low_score", agent=None, priority=0)
    with store.write() as s:
        cb = s.exec(select(Callback).where(Callback.number == number)).one()
        cb.assignee = "followup"
        s.add(cb)
    with pytest.raises(PermissionDenied):
        record_attempt(store, agent, number, CallRecord(outcome="no_answer"))


async def test_recording_right_after_typing_leaves_no_stale_draft(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        screen.query_one("#note").focus()
        await pilot.press(*"abc")
        await pilot.press("f4")  # within the 0.6 s debounce
        await settle(pilot)
        await pilot.pause(1.0)
        await settle(pilot)
    with store.read() as s:
        assert s.exec(select(CallDraft)).all() == []
    assert _cb(store).attempts == 1


def test_same_call_covers_only_the_actors_own_callbacks(store):
    from huifang_tui.services.calls import open_call

    agent = add_user(store, "agent1", "agent")
    add_user(store, "agent2", "agent")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", deadline_on=date(2026, 11, 25))
    add_callback(store, cid, "HF202611002", kind="usage", trigger="wo:a", agent="agent2")
    add_callback(store, cid, "HF202611003", kind="quarterly", trigger="cb:x", deadline_on=date(2026, 12, 20))
    view = open_call(store, agent, "HF202611001")
    assert [c.number for c in view.same_day] == ["HF202611003"]  # not agent2's HF202611002


@pytest.mark.both_backends
def test_own_commits_move_data_version(store):
    before = store.data_version()
    add_callback(store, add_customer(store, "甲公司"), "HF202611001")  # through the same engine
    assert store.data_version() != before


async def test_a_user_disabled_meanwhile_is_refused_at_the_next_action(desk):
    """Issue 9: the acting user is checked inside every service transaction, so an open app
    cannot keep working after `huifang user disable`."""
    from huifang_tui.store.models import User
    from huifang_tui.widgets.call_form import Phase

    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        assert screen.phase is Phase.EDITING
        with store.write() as s:
            u = s.exec(select(User).where(User.login == "agent1")).one()
            u.active = False
            s.add(u)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and screen.phase is Phase.EDITING  # not saved
    assert _cb(store).attempts == 0


def test_call_form_phases_only_move_forward():
    from huifang_tui.widgets.call_form import CallForm, Phase

    form = CallForm({}, {}, "HF1", "", [])
    assert form.phase is Phase.LOADING and not form.editing
    with pytest.raises(RuntimeError):
        form.go(Phase.SAVING)  # nothing may be saved while a draft is being offered back
    form.go(Phase.EDITING)
    form.go(Phase.SAVING)
    form.go(Phase.EDITING)  # a refused save: the agent may try again
    form.go(Phase.SAVING)
    form.go(Phase.DONE)
    for nxt in Phase:
        with pytest.raises(RuntimeError):
            form.go(nxt)  # recorded: nothing more from this form


async def test_reschedule_outside_working_hours_is_refused_in_the_screen_too(desk):
    """SPEC §3: 改约 falls inside work_hours, read by the same service as `huifang record --to`."""
    from huifang_tui.widgets.call_form import Phase

    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press(*"明天 12:30")  # the lunch break
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and screen.phase is Phase.EDITING
    cb = _cb(store)
    assert cb.next_attempt_at is None and cb.due_on == date(2026, 11, 23)
