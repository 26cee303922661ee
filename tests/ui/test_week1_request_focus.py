"""The ask-the-supervisor dialog shows which field the keys go to (issue 25 item 5): the focused
field's label is highlighted, and it moves with Tab; the cursor starts in the reason when the time
is already filled in (a reviewer typed the reason into the time field)."""

from __future__ import annotations

from datetime import datetime

import pytest

from huifang_tui.app import HuifangApp
from huifang_tui.core.errors import NeedsSupervisor
from huifang_tui.screens.requests import AskSupervisorDialog

from conftest import NOW
from factories import add_callback, add_customer, add_user
from pilot_help import settle

SIZE = (80, 24)


@pytest.fixture
def agent(store):
    who = add_user(store, "agent1", "agent", "陈晓雯")
    add_callback(store, add_customer(store, "杭州恒达机械有限公司"), "HF202611001", deadline_on=NOW.date())
    return store, who


def _marked(dlg, field: str) -> bool:  # noqa: ANN001
    style = dlg.query_one(f"#ask-{field}-label").styles.text_style
    return bool(style.bold and style.reverse)


@pytest.mark.parametrize("reason", ["", "客户出差到周二"])
async def test_the_focused_field_is_marked_and_the_cursor_starts_in_the_reason(agent, reason):
    store, who = agent
    app = HuifangApp(store, who, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        error = NeedsSupervisor("改约时间超过截止时间", kind="reschedule", number="HF202611001",
                                wanted=datetime(2026, 11, 24, 10, 0), deadline="2026-11-23")
        app.push_screen(AskSupervisorDialog(error, reason))
        await settle(pilot)
        dlg = app.screen
        assert isinstance(dlg, AskSupervisorDialog)
        assert app.focused.id == "ask-reason"  # the time is filled in: the reason is next
        assert _marked(dlg, "reason") and not _marked(dlg, "wanted")
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused.id == "ask-wanted"
        assert _marked(dlg, "wanted") and not _marked(dlg, "reason")  # the mark follows the keys
