"""The issue screen offers a key only to those the rule lets use it (issue 22 item 8): the key
bar and F1 list exactly the actions the user may do (``services.issues.allowed_actions``) that
apply in the issue's status now (``offered_actions``), so the raiser of an unassigned issue sees
and uses `k` (acknowledge) and another agent is not offered it."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import DataTable

from huifang_tui.app import HuifangApp
from huifang_tui.screens.help import HelpScreen
from huifang_tui.screens.ledger import IssueScreen
from huifang_tui.services import issues as svc
from huifang_tui.store.models import Issue
from huifang_tui.widgets.keybar import KeyBar

from factories import add_callback, add_customer, add_user
from pilot_help import settle


@pytest.fixture
def desk(store):
    raiser = add_user(store, "agent1", "agent", "陈晓雯")
    other = add_user(store, "agent2", "agent", "刘思琪")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    cid = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, cid, "HF202611001")
    issue = svc.raise_issue(store, raiser, "HF202611001", title="设备异响", category="product")
    return store, {"raiser": raiser, "other": other, "sup": sup}, issue.number


def _status(store, number) -> str:
    with store.read() as s:
        return s.exec(select(Issue).where(Issue.number == number)).one().status


async def _open(pilot, app, number):
    await settle(pilot)
    app.push_screen(IssueScreen(number))
    await settle(pilot)
    assert isinstance(app.screen, IssueScreen)
    return app.screen


def _offered(screen) -> set[str]:
    return {b.id for b in screen.query_one(KeyBar).bindings() if (b.id or "").startswith("issue_")}


async def _help_rows(pilot, app) -> list[str]:
    await pilot.press("f1")
    await settle(pilot)
    assert isinstance(app.screen, HelpScreen)
    table = app.screen.query_one(DataTable)
    rows = [str(table.get_row_at(r)[1]) for r in range(table.row_count)]
    await pilot.press("escape")
    await settle(pilot)
    return rows


@pytest.mark.parametrize("who, offered", [
    ("raiser", {"issue_ack", "issue_note", "issue_back"}),  # open: wait, resume, tell do not apply yet
    ("other", {"issue_back"}),
    ("sup", {"issue_assign", "issue_ack", "issue_note", "issue_close", "issue_back"}),
])
async def test_offered_keys_follow_the_rule(desk, who, offered):
    store, people, number = desk
    actor = people[who]
    app = HuifangApp(store, actor, cursor_blink=False)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await _open(pilot, app, number)
        allowed = svc.offered_actions(store, actor, number)
        assert allowed <= svc.allowed_actions(store, actor, number)
        assert _offered(screen) == offered == {f"issue_{a}" for a in allowed} | {"issue_back"}
        rows = await _help_rows(pilot, app)
        from huifang_tui.core.i18n import t

        assert (t("ledger.action.ack") in rows) is ("ack" in allowed)
        assert (t("ledger.action.solve") in rows) is ("solve" in allowed)
        # k acknowledges for those who may; for the others it does nothing
        await pilot.press("k")
        await settle(pilot)
        assert _status(store, number) == ("acknowledged" if "ack" in allowed else "open")


@pytest.mark.parametrize("who, offered", [
    ("owner", {"issue_ack", "issue_note", "issue_close", "issue_back"}),
    ("head", {"issue_assign", "issue_ack", "issue_note", "issue_close", "issue_back"}),
    ("raiser", {"issue_note", "issue_back"}),  # it has an owner now: the raiser no longer acknowledges
    ("other", {"issue_back"}),
])
async def test_offered_keys_once_the_issue_has_an_owner(desk, who, offered):
    store, people, number = desk
    from huifang_tui.services.departments import set_user_department

    admin = add_user(store, "admin1", "admin")
    people["owner"] = add_user(store, "tech1", "agent", "李工")
    people["head"] = add_user(store, "head1", "supervisor", "王部长")
    set_user_department(store, admin, "tech1", "技术支持组")
    set_user_department(store, admin, "head1", "技术支持组")
    svc.assign_issue(store, people["sup"], number, "技术支持组", "tech1")
    app = HuifangApp(store, people[who], cursor_blink=False)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await _open(pilot, app, number)
        assert _offered(screen) == offered
        await pilot.press("k")
        await settle(pilot)
        assert _status(store, number) == ("acknowledged" if "issue_ack" in offered else "open")


async def test_the_raiser_acknowledges_an_unassigned_issue_with_k(desk):
    store, people, number = desk
    app = HuifangApp(store, people["raiser"], cursor_blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app, number)
        assert "issue_ack" in _offered(screen)
        await pilot.press("k")
        await settle(pilot)
        assert _status(store, number) == "acknowledged"
        assert not any("不能" in n.message for n in app._notifications)
        # acknowledged now: k no longer applies, waiting on the customer does; solving is not theirs
        assert _offered(app.screen) == {"issue_note", "issue_wait", "issue_back"}
