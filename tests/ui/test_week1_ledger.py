"""The issue ledger for a supervisor's first week (issue 25): the keys offered are the keys that work
now (item 20), and assigning picks a department and a person from lists (item 13)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from sqlmodel import select
from textual.widgets import DataTable

from huifang_tui.app import HuifangApp
from huifang_tui.screens.help import HelpScreen
from huifang_tui.screens.ledger import IssueScreen, LedgerScreen
from huifang_tui.services import issues as svc
from huifang_tui.store.models import Issue
from huifang_tui.widgets.keybar import KeyBar

from factories import add_callback, add_customer, add_user
from pilot_help import settle


@pytest.fixture
def desk(store):
    raiser = add_user(store, "agent1", "agent", "陈晓雯")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    gm = add_user(store, "salesmgr", "sales_manager", "孙经理")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001")
    issue = svc.raise_issue(store, raiser, "HF202611001", title="设备异响", category="product")
    return store, {"raiser": raiser, "sup": sup, "gm": gm}, issue.number


def _bar(screen) -> set[str]:  # noqa: ANN001
    return {b.id for b in screen.query_one(KeyBar).bindings()}


async def _help_ids(pilot, app) -> set[str]:  # noqa: ANN001
    """The binding ids F1 lists (by their descriptions, as F1 shows them)."""
    from textual.binding import Binding

    under = app.screen
    await pilot.press("f1")
    await settle(pilot)
    assert isinstance(app.screen, HelpScreen)
    table = app.screen.query_one(DataTable)
    shown = {str(table.get_row_at(r)[1]) for r in range(table.row_count)}
    await pilot.press("escape")
    await settle(pilot)
    from huifang_tui.widgets.keybar import own_bindings

    return {b.id for b in own_bindings(under) if isinstance(b, Binding) and b.description in shown}


async def _ledger(pilot, app) -> LedgerScreen:  # noqa: ANN001
    await settle(pilot)
    app.switch_mode("ledger")
    await settle(pilot)
    assert isinstance(app.screen, LedgerScreen)
    return app.screen


# -- item 20: only the keys the user may use now -----------------------------------------------

@pytest.mark.parametrize("who, raises", [("sup", True), ("raiser", True), ("gm", False)])
async def test_the_ledger_offers_raising_only_to_those_who_may(desk, who, raises):
    store, people, _number = desk
    app = HuifangApp(store, people[who], cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ledger(pilot, app)
        assert ("ledger_raise" in _bar(screen)) is raises
        assert ("ledger_raise" in await _help_ids(pilot, app)) is raises


async def test_enter_and_paging_are_offered_only_where_they_lead_somewhere(desk):
    store, people, _number = desk
    app = HuifangApp(store, people["sup"], cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ledger(pilot, app)
        assert "ledger_open" in _bar(screen)
        ids = await _help_ids(pilot, app)
        assert "ledger_open" in ids
        assert not {"ledger_next_page", "ledger_prev_page"} & ids  # one page: nowhere to turn to
        screen.customer = "没有这个客户"  # a search that finds nothing
        screen.action_reload()
        await settle(pilot)
        assert not screen.rows and "ledger_open" not in _bar(screen)


async def test_an_acknowledgement_made_elsewhere_takes_k_away(desk):
    """`k` (acknowledge) is offered while the issue is open; acknowledged from another terminal
    (or ``huifang issue ack``), the open issue screen reads it again and offers `k` no more."""
    store, people, number = desk
    sup = people["sup"]
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(IssueScreen(number))
        await settle(pilot)
        screen = app.screen
        assert "issue_ack" in _bar(screen) and "issue_ack" in await _help_ids(pilot, app)
        svc.acknowledge(store, people["raiser"], number)  # the raiser, elsewhere
        screen._check_changes()  # the poll's tick, without waiting for it
        await settle(pilot)
        with store.read() as s:
            assert s.exec(select(Issue).where(Issue.number == number)).one().status == "acknowledged"
        assert "issue_ack" not in _bar(screen)
        assert "issue_ack" not in await _help_ids(pilot, app)
        assert "issue_solve" in _bar(screen) or "issue_solve" in await _help_ids(pilot, app)


# -- item 13: assigning picks a department, then a person ----------------------------------------

@pytest.fixture
def departments(desk):
    from huifang_tui.services.base import Actor
    from huifang_tui.services.departments import set_user_department

    store, people, number = desk
    root = add_user(store, "root", "admin", "管理员")
    add_user(store, "tech1", "agent", "吴工程师")
    add_user(store, "techlead", "supervisor", "郑组长")
    for login in ("tech1", "techlead"):
        set_user_department(store, root, login, "技术支持组")
    return store, people | {"root": Actor("root", "admin", "管理员")}, number


def _options(dialog) -> list[str]:  # noqa: ANN001
    from textual.widgets import OptionList

    box = dialog.query_one("#assign-list", OptionList)
    return [str(box.get_option_at_index(i).prompt) for i in range(box.option_count)]


def _highlighted(dialog) -> str:  # noqa: ANN001
    from textual.widgets import OptionList

    box = dialog.query_one("#assign-list", OptionList)
    return str(box.get_option_at_index(box.highlighted).prompt)


@asynccontextmanager
async def _assign_dialog(departments):  # noqa: ANN001, ANN202
    """The supervisor at 80×24 on the issue, G pressed: the pilot and the screen G opened."""
    store, people, number = departments
    app = HuifangApp(store, people["sup"], cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(IssueScreen(number))
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        yield pilot, app.screen


async def test_assign_picks_a_department_then_a_person_by_keyboard(departments):
    from huifang_tui.screens.ledger import AssignDialog

    store, _people, number = departments
    async with _assign_dialog(departments) as (pilot, dialog):
        app = pilot.app
        assert isinstance(dialog, AssignDialog)
        # the departments, the issue's own marked and highlighted
        names = _options(dialog)
        assert any(n.startswith("技术支持组") and "郑组长" in n and "当前" in n for n in names)
        assert len(names) == 7
        await pilot.press(*"售后")  # typing filters
        await pilot.pause()
        assert [n.split()[0] for n in _options(dialog)] == ["售后服务部"]
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert _highlighted(dialog).startswith("技术支持组")
        await pilot.press("down", "up", "enter")  # keys move the list; Enter picks
        await pilot.pause()
        # the department's people first, then the others; "no owner" on top
        people_shown = _options(dialog)
        assert people_shown[0] == "不指定责任人（只分派到部门）"
        assert people_shown[1].startswith("吴工程师 (tech1)") and people_shown[2].startswith("郑组长 (techlead)")
        assert "不在该部门的人员" in people_shown
        await pilot.press(*"刘")  # not found: nothing to pick, and the hint says so
        await pilot.pause()
        assert _options(dialog) == []
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("backspace", *"tech")
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
    with store.read() as s:
        issue = s.exec(select(Issue).where(Issue.number == number)).one()
    assert (issue.department, issue.owner_login) == ("技术支持组", "techlead")


async def test_assign_to_a_department_alone_and_esc_goes_back(departments):
    from huifang_tui.screens.ledger import AssignDialog

    store, _people, number = departments
    async with _assign_dialog(departments) as (pilot, dialog):
        app = pilot.app
        await pilot.press(*"销售", "enter")
        await pilot.pause()
        assert _options(dialog)[0] == "不指定责任人（只分派到部门）"
        await pilot.press("escape")  # back to the departments, not out
        await pilot.pause()
        assert app.screen is dialog and isinstance(dialog, AssignDialog)
        assert len(_options(dialog)) == 7
        await pilot.press(*"退换", "enter")
        await pilot.pause()
        assert _highlighted(dialog) == "不指定责任人（只分派到部门）"  # the department alone is one Enter away
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IssueScreen)
    with store.read() as s:
        issue = s.exec(select(Issue).where(Issue.number == number)).one()
    assert (issue.department, issue.owner_login) == ("退换货组", None)


def test_the_choices_come_from_the_service_for_those_who_may_assign(departments):
    from huifang_tui.core.errors import ServiceError
    from huifang_tui.services.departments import assign_choices

    store, people, _number = departments
    departments_, persons = assign_choices(store, people["sup"])
    assert ("技术支持组", ["郑组长"]) in departments_
    assert {p.login: p.department for p in persons}["tech1"] == "技术支持组"
    with pytest.raises(ServiceError):
        assign_choices(store, people["raiser"])  # an agent does not assign
