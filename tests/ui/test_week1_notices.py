"""Notices (toasts) hide nothing the user must read (issue 25, dialogs and notices item 2): on
the queue they lie over the key bar, not over the table's last rows (phone, tries, due, state);
over a dialog, not over its key hint. (A notice with a title and two lines of text is three rows
tall: it still covers the two rows above the key bar.)"""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import DataTable
from textual.widgets._toast import Toast

from huifang_tui.app import HuifangApp
from huifang_tui.screens.dialogs import MessageDialog

from factories import add_callback, add_customer, add_user
from pilot_help import settle


def _overlaps(a, b) -> bool:  # noqa: ANN001
    return bool(a.intersection(b).area)


async def _toasts(pilot) -> list:  # noqa: ANN001
    for _ in range(50):  # the rack shows them a few messages later
        await pilot.pause()
        toasts = list(pilot.app.screen.query(Toast))
        if toasts and all(t.region.area for t in toasts):
            break
    assert toasts
    return toasts


async def test_a_notice_on_the_queue_leaves_the_table_readable(store):
    agent = add_user(store, "agent1", "agent")
    for n in range(30):
        cid = add_customer(store, f"客户{n:02d}有限公司", agent="agent1", phone=f"138000{n:05d}")
        add_callback(store, cid, f"HF2026110{n:02d}", deadline_on=date(2026, 11, 25) + timedelta(days=n))
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count > 0
        app.notify("已推迟 HF202611001 到 2026-12-14 10:00", timeout=30)  # a one-line notice
        for toast in await _toasts(pilot):
            assert not _overlaps(toast.region, table.region), (toast.region, table.region)


async def test_a_notice_over_a_dialog_leaves_its_hint_readable(store):
    agent = add_user(store, "agent1", "agent")
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        body = "\n".join(f"HF2026110{n:02d} 杭州恒达机械有限公司 今天到期" for n in range(30))
        app.push_screen(MessageDialog("今天还有回访没有处理，不能日结", body))
        await settle(pilot)
        hint = app.screen.query_one(".dialog-hint")
        app.notify("已日结失败：还有 3 条", timeout=30)
        for toast in await _toasts(pilot):
            assert not _overlaps(toast.region, hint.region), (toast.region, hint.region)
