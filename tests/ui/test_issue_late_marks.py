"""Issue 23 on the screens: the ledger marks an issue with an action entered late (补录) and the
issue's timeline shows each late entry as 补录 and an escalation a late entry withdrew as
withdrawn, naming the entry — kept in the timeline, struck through (80×24, fixed clock).

Regenerate only after looking at the report:
`pytest tests/ui/test_issue_late_marks.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import DataTable, Static

from huifang_tui.services import issues as svc

from factories import add_callback, add_customer, add_user
from pilot_help import settle

LATER = datetime(2026, 10, 20, 10)  # the paper ledger of late September typed in


@pytest.fixture
def late_desk(store):
    """An issue raised 09-29 10:00 (typed in 10-20), escalated by the clock, then acknowledged as
    stated 09-29 15:00: the acknowledgement withdrew both escalations; the solution is missed."""
    store.clock = lambda: LATER
    add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202609001")
    i = svc.raise_issue(store, sup, "HF202609001", title="设备异响", category="product",
                        when=datetime(2026, 9, 29, 10))
    with store.write() as s:
        svc.write_due_escalations(s, LATER)
    svc.acknowledge(store, sup, i.number, when=datetime(2026, 9, 29, 15))
    return store, sup, i.number


def _app(store, sup):
    from huifang_tui.app import HuifangApp

    return HuifangApp(store, sup, cursor_blink=False)


async def _detail(pilot) -> None:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_ledger_and_the_timeline_mark_late_entries_and_withdrawn_escalations(late_desk):
    store, sup, number = late_desk
    app = _app(store, sup)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        info = str(app.screen.query_one("#ledger-info", Static).render())
        assert info.startswith(f"{number} 补录 ")
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#issue-timeline", DataTable)
        rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
    assert [(r[1], r[3].split(" ")[0]) for r in rows] == [
        ("登记", "补录"), ("受理", "补录"), ("升级", "已撤回（受理"), ("升级", "已撤回（受理"), ("升级", "未按时解决，升级到部门负责人")]
    assert [r[0] for r in rows][2:] == ["2026-09-30 10:00", "2026-10-10 00:00", "2026-10-10 00:00"]
    assert rows[2][3].startswith("已撤回（受理 09-29 15:00） 未按时受理")


def test_issue_detail_with_withdrawn_escalations_80x24(snap_compare, late_desk):
    store, sup, _ = late_desk
    assert snap_compare(_app(store, sup), terminal_size=(80, 24), run_before=_detail)
