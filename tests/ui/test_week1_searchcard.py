"""The customer's card from / says how many callbacks (and open issues) it does not list, rather
than silently showing the newest 12 (issue 25, dialogs and notices item 3)."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from textual.widgets import DataTable, Input

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.services.search import CARD_CALLBACKS, customer_card

from conftest import NOW
from factories import add_callback, add_customer, add_user


def _customer_with(store, n: int) -> int:  # noqa: ANN001
    cid = add_customer(store, "绍兴恒泰化工有限公司", agent="agent1", phone="13812345678")
    for k in range(n):
        add_callback(store, cid, f"HF2026{k:05d}", due_on=NOW.date() - timedelta(days=k))
    return cid


def test_the_service_counts_the_callbacks_left_off(store):
    agent = add_user(store, "agent1", "agent")
    cid = _customer_with(store, CARD_CALLBACKS + 7)
    card = customer_card(store, agent, cid)
    assert len(card.callbacks) == CARD_CALLBACKS and card.callbacks_more == 7
    assert card.callbacks[0][0] == "HF202600000"  # the newest first


def test_no_more_when_all_are_listed(store):
    agent = add_user(store, "agent1", "agent")
    cid = _customer_with(store, CARD_CALLBACKS)
    card = customer_card(store, agent, cid)
    assert len(card.callbacks) == CARD_CALLBACKS and card.callbacks_more == 0


async def test_the_card_from_slash_says_how_many_more(store):
    agent = add_user(store, "agent1", "agent")
    _customer_with(store, CARD_CALLBACKS + 7)
    app = HuifangApp(store, agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.query_one(Input).has_focus
        await pilot.press(*"sxht")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#search-table", DataTable).row_count == 1
        await pilot.press("enter", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        from huifang_tui.screens.search import card_group

        console = Console(width=80, record=True)
        console.print(card_group(app.screen.card))
        body = console.export_text()
        assert t("searchcard.callbacks_more", n=7) in body
