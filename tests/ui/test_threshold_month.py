"""The month view's red scores follow the policy's low-score threshold (issue 22 item 6)."""

from __future__ import annotations

from datetime import date, datetime

from factories import add_callback, add_customer, add_user
from pilot_help import settle
from textual.widgets import DataTable

from huifang_tui.app import HuifangApp
from huifang_tui.screens.month import MonthScreen
from huifang_tui.services.callbacks import CallRecord, record_attempt
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
        res = table.get_cell("HF202611001", "score_resolution")
        att = table.get_cell("HF202611001", "score_attitude")
        assert (res.plain, str(res.style)) == ("3", "bold red")  # 3 < 4
        assert (att.plain, str(att.style)) == ("4", "")
        assert table.get_cell("HF202611001", "follow_status").plain == "跟进中"
