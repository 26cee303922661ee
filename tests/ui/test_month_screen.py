"""The 客户回访汇总记录表 screen and its keyboard form, driven by Pilot (issue 11 §1, §2)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from factories import add_callback, add_customer, add_user
from pilot_help import settle
from sqlmodel import select
from textual.widgets import DataTable, Input, Static

from huifang_tui.app import HuifangApp
from huifang_tui.domain.kpi import Month
from huifang_tui.screens.month import MonthScreen
from huifang_tui.screens.record_form import RecordFormScreen
from huifang_tui.services import report as rsvc
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store.models import Callback


@pytest.fixture
def office(store):
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    c = add_customer(store, "杭州恒达机械有限公司")
    add_customer(store, "杭州恒远贸易有限公司")
    add_callback(store, c, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    add_callback(store, c, "HF202611002", due_on=date(2026, 11, 16), deadline_on=date(2026, 11, 19))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", at=datetime(2026, 11, 4, 10),
                                                            reached_name="王经理", score_resolution=4, score_attitude=5))
    return store, sup, agent



async def _open_month(pilot) -> MonthScreen:
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(pilot.app.screen, MonthScreen)
    return pilot.app.screen


async def test_month_view_from_the_queue_with_totals_and_switching(office):
    store, sup, _ = office
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_month(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        assert str(screen.month) == "2026-11"
        footer = str(screen.query_one("#month-footer", Static).render())
        assert "计划回访 2" in footer and "完成 1（50.00%）" in footer
        await pilot.press("n")
        await settle(pilot)
        assert str(screen.month) == "2026-12" and table.row_count == 0
        assert screen.query_one("#month-empty").display
        await pilot.press("p")
        await settle(pilot)
        assert table.row_count == 2
        await pilot.press("a")  # first login in the agents: the pool, then agent1 …
        assert screen.agent_filter == "_pool" and table.row_count == 0
        await pilot.press("a")
        assert screen.agent_filter == "agent1" and table.row_count == 2
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, MonthScreen)


async def test_keyboard_form_enters_an_adhoc_visit(office):
    store, _, agent = office
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_month(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, RecordFormScreen)
        assert form.focused.id == "f-customer"
        await pilot.press(*"杭州恒达")
        await settle(pilot)
        await pilot.press("right")  # accept the suggestion
        assert form.query_one("#f-customer", Input).value == "杭州恒达机械有限公司"
        order = []
        for text in ("李工", "设备主管"):
            await pilot.press("tab")
            order.append(form.focused.id)
            await pilot.press(*text)
        await pilot.press("tab")
        order.append(form.focused.id)
        await pilot.press("ctrl+u", *"2026-11-10 15:00")  # dates as text
        await pilot.press("tab")
        order.append(form.focused.id)
        await pilot.press("现")  # choose 现场 by typing
        await pilot.press("tab", "4", "tab", "5")
        order.append("…")
        await pilot.press("tab")
        order.append(form.focused.id)
        assert order == ["f-reached_name", "f-reached_position", "f-completed_at", "f-channel", "…", "f-suggestions"]
        await pilot.press(*"希望再来培训一次")
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = [str(w.render()) for w in form.query(".form-error")]
        assert isinstance(pilot.app.screen, MonthScreen), (errors, str(form.query_one("#form-status").render()))
        assert pilot.app.screen.query_one(DataTable).row_count == 3
    with store.read() as s:
        cb = s.exec(select(Callback).where(Callback.kind == "adhoc")).one()
    assert (cb.channel, cb.score_resolution, cb.score_attitude, cb.reached_position) == ("onsite", 4, 5, "设备主管")
    assert cb.completed_at == datetime(2026, 11, 10, 15) and cb.suggestions == "希望再来培训一次"


async def test_form_shows_each_message_beside_its_field(office):
    store, _, agent = office
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_month(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = pilot.app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RecordFormScreen)
        errs = {fid: str(form.query_one(f"#e-{fid}", Static).render())
                for fid in ("customer", "reached_name", "score_resolution", "score_attitude", "channel")}
        assert "客户名称" in errs["customer"] and "联系人" in errs["reached_name"]
        assert "1–5" in errs["score_resolution"] and "1–5" in errs["score_attitude"]
        assert errs["channel"] == ""
        assert form.focused.id == "f-customer"  # the first bad field
        form.query_one("#f-completed_at", Input).value = "2026-13-40"
        await pilot.pause()
        assert "YYYY-MM-DD" in str(form.query_one("#e-completed_at", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MonthScreen)


async def test_edit_from_the_month_view_and_the_lock(office):
    store, sup, _ = office
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_month(pilot)
        await pilot.press("enter")  # the first row: HF202611001, completed
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, RecordFormScreen) and form.number == "HF202611001"
        assert form.query_one("#f-reached_name", Input).value == "王经理"
        form.query_one("#f-improvement", Input).value = "已反馈产品部门"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        # approve with the key once November is over, then an edit dated in the month is
        # refused beside the form
        store.clock = lambda: datetime(2026, 12, 1, 10, 0)
        await pilot.press("v", "y")
        await settle(pilot)
        assert rsvc.month_locked(store, Month(2026, 11))
        assert "已审批" in str(screen.query_one("#month-status", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#f-improvement", Input).value = "审批后再改"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RecordFormScreen)
        assert "已审批" in str(pilot.app.screen.query_one("#form-status", Static).render())
    with store.read() as s:
        assert s.exec(select(Callback).where(Callback.number == "HF202611001")).one().improvement == "已反馈产品部门"


async def test_approve_key_says_when_approval_opens_then_amend_and_approve_again(office):
    """Issue 22 §1: on 11-23 the dialog says November opens on 12-01 and nothing is approved;
    from 12-01 it approves; while amending the view says so and v issues version 2."""
    from huifang_tui.screens.dialogs import ConfirmDialog, MessageDialog

    store, sup, _ = office
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_month(pilot)
        await pilot.press("v")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MessageDialog) and "2026-12-01" in dialog.body
        await pilot.press("escape")
        await settle(pilot)
        assert rsvc.status_of(store, Month(2026, 11)).state == "open"
        assert "未审批" in str(screen.query_one("#month-status", Static).render())
        store.clock = lambda: datetime(2026, 12, 1, 10, 0)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        status = str(screen.query_one("#month-status", Static).render())
        assert "已审批 第1版" in status and "周主管" in status and "12-01 10:00" in status
        rsvc.amend(store, sup, Month(2026, 11), "补登改进措施")
        await pilot.press("n", "p")
        await settle(pilot)
        status = str(screen.query_one("#month-status", Static).render())
        assert "更正中" in status and "第1版" in status
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog) and "第2版" in pilot.app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert "已审批 第2版" in str(screen.query_one("#month-status", Static).render())
    assert rsvc.status_of(store, Month(2026, 11)).version == 2


async def test_yearly_chart_from_the_month_view(office):
    from textual.widgets import Sparkline

    from huifang_tui.screens.yearly import YearlyScreen

    store, sup, _ = office
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_month(pilot)
        await pilot.press("y")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, YearlyScreen)
        completion = list(screen.query_one("#yearly-completion", Sparkline).data)
        assert len(completion) == 12 and completion[10] == 0.5  # November: 1 of 2
        table = screen.query_one("#yearly-table", DataTable)  # a table of the twelve months (issue 25 item 12)
        assert table.row_count == 12 and str(table.get_row_at(10)[0]) == "11"
