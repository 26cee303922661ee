"""Issue 22 §3, §7 on the call screen: the 同日合并 line lists the whole of what is due of the
customer (due on three days up to today, not tomorrow), F6 records the call on all of it, and
拒访 asks for the reason in a dialog (80×24)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from huifang_tui.app import HuifangApp
from huifang_tui.store.models import Callback
from huifang_tui.widgets.customer_card import overview_lines

from factories import add_callback
from pilot_help import open_first, settle


def _cb(store, number) -> Callback:
    with store.read() as s:
        return s.exec(select(Callback).where(Callback.number == number)).one()


async def test_same_day_line_lists_the_whole_call_and_f6_reaches_all_of_it(desk):
    store, agent = desk  # HF202611001 due today (11-23), deadline 11-25
    with store.read() as s:
        cid = s.exec(select(Callback)).one().customer_id
    add_callback(store, cid, "HF202611002", kind="usage", due_on=date(2026, 11, 18), deadline_on=date(2026, 11, 20))
    add_callback(store, cid, "HF202611003", kind="first_sale", due_on=date(2026, 11, 20),
                 deadline_on=date(2026, 11, 27))
    add_callback(store, cid, "HF202611004", kind="quarterly", due_on=date(2026, 11, 24),
                 deadline_on=date(2026, 12, 24))
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)  # the overdue one comes first: HF202611002, due 11-18
        assert screen.view.callback.number == "HF202611002"
        assert [o.number for o in screen.view.same_day] == ["HF202611001", "HF202611003"]
        card = "\n".join(line.plain for line in overview_lines(screen.view))
        assert "同日合并" in card and "HF202611001" in card and "HF202611003" in card
        assert "HF202611004" not in card
        await pilot.press("f6")  # 关机/停机
        await settle(pilot)
        texts = [n.message for n in app._notifications]
    assert any("HF202611001, HF202611003" in m for m in texts), texts
    for number in ("HF202611001", "HF202611002", "HF202611003"):
        assert (_cb(store, number).attempts, _cb(store, number).outcome) == (1, "phone_off")
    assert _cb(store, "HF202611004").attempts == 0


def test_refusal_dialog_80x24(snap_compare, demo_app):
    """F9 asks for the customer's reason, naming what closes (the callback and the rest of the call)."""
    app = demo_app("agent1")

    async def refuse(pilot) -> None:  # noqa: ANN001
        await open_first(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")  # empty: the dialog says the reason is required
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=refuse)


async def test_month_view_shows_the_refusal_reason_in_its_notes(desk):
    """Issue 22 §7: the month view's 备注 (a column from 100 columns on) shows the reason."""
    from textual.widgets import DataTable

    from huifang_tui.screens.month import MonthScreen
    from huifang_tui.services.base import Actor
    from huifang_tui.services.recording import CallRecord, record_attempt

    store, agent = desk
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="refused", reason="设备正常"))
    app = HuifangApp(store, Actor("supervisor", "supervisor", "周主管"), cursor_blink=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MonthScreen)
        table = screen.query_one(DataTable)
        heads = [str(c.label) for c in table.columns.values()]
        cells = [str(c) for c in table.get_row_at(0)]
    assert "备注" in heads
    assert cells[heads.index("备注")] == "11-23 09:30 拒访原因：设备正常"
