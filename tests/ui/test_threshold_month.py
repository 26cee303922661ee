"""The month view's red scores follow the policy's low-score threshold (issue 22 item 6)."""

from __future__ import annotations

from datetime import date, datetime

from factories import add_callback, add_customer, add_user
from pilot_help import settle
from textual.widgets import DataTable

from huifang_tui.app import HuifangApp
from huifang_tui.screens.month import MonthScreen
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.store.models import Setting


async def test_threshold_four_colours_a_three(store):
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    with store.write() as s:
        s.add(Setting(key="policy", value="[low_score]\nthreshold = 4\n"))
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", at=datetime(2026, 11, 4, 10),
                                                            reached_name="王经理", score_resolution=3, score_attitude=4))
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MonthScreen) and screen.report is not None
        table = screen.query_one(DataTable)
        scores = table.get_cell("HF202611001", "scores")  # 问题解决效果/服务态度 in one cell (issue 25 item 17)
        assert scores.plain == "3/4"
        assert [(s.start, s.end, str(s.style)) for s in scores.spans] == [(0, 1, "bold red")]  # 3 < 4; the 4 is not red
        assert table.get_cell("HF202611001", "follow_status").plain == "跟进中"


async def test_ctrl_s_without_a_change_writes_nothing(store):
    """Issue 22 item 5: opening a low-scored record and saving it unchanged cancelled its
    follow-up and made an identical one; now nothing is written and the toast says so."""
    from sqlmodel import select

    from huifang_tui.screens.record_form import RecordFormScreen
    from huifang_tui.store.models import AuditEntry, Callback

    sup = add_user(store, "supervisor", "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", at=datetime(2026, 11, 4, 10, 0, 41),
                                                            reached_name="王经理", score_resolution=2, score_attitude=4))

    def state():
        with store.read() as s:
            cbs = s.exec(select(Callback.number, Callback.status, Callback.version).order_by(Callback.number)).all()
            return cbs, len(s.exec(select(AuditEntry)).all())

    before = state()
    assert [n for n, _, _ in before[0]] == ["HF202611001", "HF202611002"]  # the record and its follow-up
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        month = pilot.app.screen
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RecordFormScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is month
        assert any("未作修改" in str(n.message) for n in pilot.app._notifications)
    assert state() == before
