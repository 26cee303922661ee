"""Claims follow the person, not the connection (issue 21 §4, issue 22 §2).

An open call screen renews its claim only up to the person's last key; after the idle limit
with no key it lets the claim go (the draft kept) and says so at the next key, then takes the
call again if nobody else has the customer. The store's clock is moved; the screen's tick is
made quick so that it runs while the test waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.core.identity import Actor
from huifang_tui.services.assignment import assign
from huifang_tui.services.base import Conflict
from huifang_tui.services.calls import open_call
from huifang_tui.store.claims import IDLE_LIMIT_SECONDS
from huifang_tui.store.models import Callback, CallDraft

from pilot_help import open_first, settle, workers_done

NUMBER = "HF202611001"
TYPED = "希望提供培训"
SUP = Actor("supervisor", "supervisor", "周主管")


@pytest.fixture(autouse=True)
def quick_ticks(monkeypatch):
    """The call screen checks its claim every 50 ms instead of every minute."""
    monkeypatch.setattr("huifang_tui.screens.call.HEARTBEAT_SECONDS", 0.05)


def _cb(store) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == NUMBER)).one()


def _draft(store) -> str:
    with store.read() as s:
        row = s.exec(select(CallDraft)).first()
        return row.data if row else ""


def _notes(app) -> list[str]:  # noqa: ANN001
    return [n.message for n in app._notifications]


async def _ticks(pilot) -> None:  # noqa: ANN001
    await pilot.pause(0.3)
    await settle(pilot)


async def _open_and_type(pilot, store):  # noqa: ANN001, ANN202
    screen = await open_first(pilot)
    opened = store.now()
    screen.query_one("#suggestions").focus()
    await pilot.press(*TYPED)
    await pilot.pause(1.0)  # the draft is saved as typed
    await workers_done(pilot.app)
    return screen, opened


def _later(store, opened: datetime, minutes: int) -> datetime:
    moment = opened + timedelta(minutes=minutes)
    store.clock = lambda: moment
    return moment


async def test_an_idle_call_lets_its_claim_go_and_says_so_at_the_next_key(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    idle_text = t("claim.idle_released", n=IDLE_LIMIT_SECONDS // 60)
    async with app.run_test(size=(100, 30)) as pilot:
        screen, opened = await _open_and_type(pilot, store)
        assert _cb(store).claimed_by == "agent1"
        _later(store, opened, IDLE_LIMIT_SECONDS // 60 + 1)  # no key for 11 minutes
        await _ticks(pilot)
        assert _cb(store).claimed_by is None  # let go: another person may take the customer
        assert TYPED in _draft(store)  # what was typed is kept as a draft
        assert idle_text not in _notes(app)  # nobody there to read it yet
        await pilot.press("end")  # the person comes back
        await settle(pilot)
        assert idle_text in _notes(app)
        assert screen.query_one("#suggestions").value == TYPED
        assert _cb(store).claimed_by == "agent1"  # nobody else had it: the call is theirs again
        assert t("claim.reclaimed") in _notes(app)


async def test_someone_else_took_the_customer_meanwhile(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen, opened = await _open_and_type(pilot, store)
        moment = _later(store, opened, 12)
        await _ticks(pilot)
        sup = SUP
        open_call(store, sup, NUMBER, pid=1)  # the supervisor opens it (pid 1: a live process)
        await pilot.press("end")
        await settle(pilot)
        notes = "\n".join(_notes(app))
        assert t("claim.idle_released", n=IDLE_LIMIT_SECONDS // 60) in notes
        assert "supervisor" in notes and moment.strftime("%H:%M") in notes  # who has it, since when
        assert screen.query_one("#suggestions").value == TYPED
        await pilot.press("f4")  # 未接通: refused with the plain reason, nothing typed is lost
        await settle(pilot)
        assert _cb(store).attempts == 0 and _cb(store).claimed_by == "supervisor"
        assert screen.form.editing and screen.query_one("#suggestions").value == TYPED
        assert TYPED in _draft(store)


async def test_keys_keep_the_claim_renewed_up_to_the_last_one(desk):
    store, agent = desk
    app = HuifangApp(store, agent)
    sup = SUP
    async with app.run_test(size=(100, 30)) as pilot:
        _, opened = await _open_and_type(pilot, store)
        key_at = _later(store, opened, 8)
        await pilot.press("end")  # a key within the limit
        await _ticks(pilot)
        assert _cb(store).claimed_at == key_at
        _later(store, opened, 16)  # 16 minutes open, 8 since the last key: still held
        await _ticks(pilot)
        assert (_cb(store).claimed_by, _cb(store).claimed_at) == ("agent1", key_at)
        with pytest.raises(Conflict, match="agent1"):
            open_call(store, sup, NUMBER, pid=1)
        _later(store, opened, 19)  # 11 minutes since the last key
        await _ticks(pilot)
        assert _cb(store).claimed_by is None


async def test_a_change_made_under_the_call_is_told_and_the_typing_kept(desk):
    """Issue 22 §2: the claim let go, a supervisor moves the callback; back at the keyboard the
    agent is told what changed and by whom, and what they typed stays, as a draft too."""
    from factories import add_user

    store, agent = desk
    add_user(store, "agent2", "agent", "王小明")
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen, opened = await _open_and_type(pilot, store)
        _later(store, opened, 11)
        await _ticks(pilot)
        assign(store, SUP, NUMBER, "agent2")  # allowed: nobody has it now
        await pilot.press("end")
        await settle(pilot)
        notes = "\n".join(_notes(app))
        assert t("claim.change.assign") in notes and "supervisor" in notes and "agent2" in notes
        assert screen.query_one("#suggestions").value == TYPED
        assert TYPED in _draft(store)


async def test_a_callback_moved_under_an_active_call_keeps_the_save_as_a_draft(desk):
    """Issue 22 §2: the claim gone (an override, say) and the callback moved while the agent is
    at it: the screen says what changed, the outcome is refused with the plain reason, and
    everything typed stays on screen and in the draft."""
    from factories import add_user

    from huifang_tui.services.calls import release

    store, agent = desk
    add_user(store, "agent2", "agent", "王小明")
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen, _ = await _open_and_type(pilot, store)
        release(store, agent, NUMBER)  # this process's claim, dropped behind the screen's back
        assign(store, SUP, NUMBER, "agent2")
        await pilot.press("f4")  # 未接通
        await _ticks(pilot)
        notes = "\n".join(_notes(app))
        assert t("claim.change.assign") in notes and "agent2" in notes
        assert _cb(store).attempts == 0 and _cb(store).agent_login == "agent2"
        assert screen.form.editing and screen.query_one("#suggestions").value == TYPED
        assert TYPED in _draft(store)
