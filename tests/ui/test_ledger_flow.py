"""The ledger with Pilot (issue 10 §7): the whole life of an issue — raised outside a call,
assigned, acknowledged, waiting and resumed, the refused close, solution, customer told,
closed — and the reopen from a failed verification on the customer's next callback."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select
from textual.widgets import DataTable, RadioSet

from huifang_tui.app import HuifangApp
from huifang_tui.screens.call import CallScreen
from huifang_tui.screens.ledger import IssueScreen, LedgerScreen
from huifang_tui.screens.queue import QueueScreen
from huifang_tui.services import issues as svc
from huifang_tui.store.models import Issue
from huifang_tui.widgets.score_row import ScoreRow

from factories import add_callback, add_customer, add_user
from pilot_help import settle


@pytest.fixture
def desk(store):
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    add_user(store, "tech1", "agent", "李工")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001", kind="completion", trigger="wo:SX202611001",
                 deadline_on=date(2026, 11, 25))
    return store, agent, sup



def _issue(store) -> Issue:
    with store.read() as s:
        return s.exec(select(Issue)).one()


async def _type(pilot, text: str) -> None:
    await pilot.pause()
    await pilot.press(*("space" if c == " " else c for c in text))
    await pilot.press("enter")
    await settle(pilot)


async def test_whole_life_of_an_issue_in_the_ledger(desk):
    store, _agent, sup = desk
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        from huifang_tui.screens.board import BoardScreen

        assert isinstance(app.screen, BoardScreen)  # supervisors open on the board (issue 12)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen)
        # raised for a customer outside a call
        await pilot.press("a")
        await _type(pilot, "恒达")
        await pilot.press(*"设备异响")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _issue(store).callback_id is None
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
        await pilot.press("g")
        await settle(pilot)
        await _type(pilot, "技术支持组")  # the department picked from its list (issue 25 item 13)
        await _type(pilot, "tech1")  # then the owner from the people's
        assert (_issue(store).department, _issue(store).owner_login) == ("技术支持组", "tech1")
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("w")
        await _type(pilot, "客户出差")
        assert _issue(store).status == "waiting"
        await pilot.press("u")
        await settle(pilot)
        # the refused close names what is missing and changes nothing
        await pilot.press("c")
        await settle(pilot)
        assert _issue(store).status == "acknowledged"
        assert any("解决方案" in n.message and "满意度" in n.message for n in app._notifications)
        await pilot.press("s")
        await _type(pilot, "更换轴承")
        await pilot.press("t")
        await _type(pilot, "4")
        await pilot.press("c")
        await settle(pilot)
        i = _issue(store)
        assert (i.status, i.satisfaction, i.customer_told_on, i.owner_login) == ("closed", 4, date(2026, 11, 23), "tech1")
        kinds = [str(row[1]) for row in (app.screen.query_one("#issue-timeline", DataTable).get_row_at(r)
                                         for r in range(app.screen.query_one("#issue-timeline", DataTable).row_count))]
        assert kinds == ["登记", "分派", "受理", "挂起", "恢复", "解决方案", "告知客户", "关闭"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LedgerScreen)


async def test_not_held_on_the_next_callback_reopens_the_issue(desk):
    store, agent, sup = desk
    i = svc.raise_issue(store, agent, "HF202611001", title="漏液", category="product")
    svc.acknowledge(store, sup, i.number)
    svc.solve(store, sup, i.number, "更换密封圈")
    svc.tell(store, agent, i.number, date(2026, 11, 23), 3)
    svc.close(store, sup, i.number)
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CallScreen)
        radios = screen.query_one(f"#verify_{i.id}", RadioSet)
        radios.focus()
        await pilot.press("down", "down", "enter")  # 未见效
        await pilot.pause()
        assert radios.pressed_button.id == f"verify_{i.id}_not_held"
        screen.query_one("#reached_name").value = "王经理"
        screen.query_one("#score_resolution", ScoreRow).value = 2
        screen.query_one("#score_attitude", ScoreRow).value = 4
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen), [n.message for n in app._notifications]
    v = svc.show_issue(store, i.number)
    assert v.state.status == "acknowledged" and v.issue.verify_result == "not_held"
    assert [e.kind for e in v.events][-2:] == ["verified", "reopened"]


async def test_filters_search_and_paging(desk):
    from huifang_tui.screens.ledger import PAGE_SIZE
    from huifang_tui.screens.dialogs import TextDialog

    store, agent, sup = desk
    other = add_customer(store, "宁波卓越建材有限公司")
    add_callback(store, other, "HF202611009", deadline_on=date(2026, 11, 25))
    for n in range(PAGE_SIZE + 5):
        svc.raise_issue(store, agent if n % 2 else sup, "HF202611001" if n % 5 else "HF202611009",
                        title=f"问题{n}", is_complaint=n == 7)
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        ledger = app.screen
        table = ledger.query_one(DataTable)
        assert (ledger.total, table.row_count) == (PAGE_SIZE + 5, PAGE_SIZE)
        await pilot.press("n")
        await settle(pilot)
        assert table.row_count == 5
        await pilot.press("f")  # mine: raised by me or owned by me
        await settle(pilot)
        assert ledger.total == (PAGE_SIZE + 5) // 2 and ledger.page == 0
        for _ in range(5):  # my department, overdue, at risk, escalated → complaints
            await pilot.press("f")
            await settle(pilot)
        assert ledger.filter_kind == "complaints" and ledger.total == 1
        for _ in range(2):  # waiting → all
            await pilot.press("f")
            await settle(pilot)
        assert ledger.filter_kind == "all"
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"卓越", "enter")
        await settle(pilot)
        assert ledger.total == (PAGE_SIZE + 5 + 4) // 5
        assert all(v.customer == "宁波卓越建材有限公司" for v in ledger.rows)
