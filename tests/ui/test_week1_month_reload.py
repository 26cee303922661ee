"""The month view follows the store (issue 25, after review): a month approved in another
terminal (``huifang report approve``) shows as approved on the open month view without
changing month — the screen polls PRAGMA data_version in a worker, as the queue and the board
do — and ``r`` reloads it now, as on the other list screens."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pilot_help import settle
from textual.widgets import Static

from factories import add_callback, add_customer, add_user
from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import set_lang, t
from huifang_tui.domain.kpi import Month
from huifang_tui.services import report as svc
from huifang_tui.services.recording import CallRecord, record_attempt

NOV = Month(2026, 11)


@pytest.fixture
def desk(store):
    set_lang("zh_CN")
    sup = add_user(store, "supervisor", "supervisor", "周主管")
    agent = add_user(store, "agent1", "agent", "陈晓雯")
    c = add_customer(store, "杭州恒达机械有限公司")
    add_callback(store, c, "HF202611001", due_on=date(2026, 11, 2), deadline_on=date(2026, 11, 5))
    store.clock = lambda: datetime(2026, 11, 4, 11)
    record_attempt(store, agent, "HF202611001", CallRecord(outcome="completed", at=datetime(2026, 11, 4, 10),
                                                            reached_name="王经理", score_resolution=4, score_attitude=5))
    store.clock = lambda: datetime(2026, 12, 7, 9)  # November may be approved
    return store, sup


async def _november(pilot):  # noqa: ANN001, ANN202
    from huifang_tui.screens.month import MonthScreen

    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MonthScreen) and screen.month == NOV
    return screen


def _status(screen) -> str:  # noqa: ANN001
    return str(screen.query_one("#month-status", Static).render())


async def test_a_month_approved_elsewhere_shows_approved_without_changing_month(desk):
    store, sup = desk
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _november(pilot)
        assert t("report.month_state.open") in _status(screen)
        svc.approve(store, sup, NOV)  # another terminal: its own connection commits
        screen._check_changes()  # the poll the screen runs every POLL_SECONDS
        await settle(pilot)
        assert screen.report.approved
        assert t("report.month_state.open") not in _status(screen)
        assert t("report.status_approved", version=1, who="周主管", at="12-07 09:00") in _status(screen)


async def test_r_reloads_the_month_view(desk):
    store, sup = desk
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _november(pilot)
        assert not screen.report.approved
        svc.approve(store, sup, NOV)
        await pilot.press("r")
        await settle(pilot)
        assert screen.report.approved
        assert any(b.key == "r" and b.id == "month_reload" for b in screen.BINDINGS)


async def test_a_change_that_leaves_an_approved_month_as_it_was_does_not_reload_it(desk):
    store, sup = desk
    svc.approve(store, sup, NOV)
    app = HuifangApp(store, sup, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _november(pilot)
        shown = screen.report
        assert shown.approved
        add_customer(store, "宁波远洋过滤设备制造有限公司")  # another process commits something else
        screen._check_changes()
        await settle(pilot)
        assert screen.report is shown
