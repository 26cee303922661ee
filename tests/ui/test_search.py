"""Find and look back (issue "first hour" item 7): `/` searches customers by name, pinyin
initials or phone tail within what the role may see; `t` lists my calls today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable, Input, Static

from huifang_tui.app import HuifangApp
from huifang_tui.core.errors import NotFound
from huifang_tui.store.search_key import initials
from huifang_tui.services.recording import CallRecord, record_attempt
from huifang_tui.services.search import customer_card, my_calls_today, search_customers
from huifang_tui.store.models import Customer

from conftest import NOW
from factories import add_callback, add_customer, add_user


@pytest.mark.parametrize("name, expected", [
    ("绍兴恒泰化工有限公司", "sxhthgyxgs"),
    ("ABC科技", "abckj"),
    ("宁波3M材料", "nb3mcl"),
    ("", ""),
])
def test_initials(name, expected):
    assert initials(name) == expected


@pytest.fixture
def people(store):
    agent1 = add_user(store, "agent1", "agent")
    agent2 = add_user(store, "agent2", "agent")
    sup = add_user(store, "sup", "supervisor")
    a = add_customer(store, "绍兴恒泰化工有限公司", agent="agent1", phone="13812345678")
    b = add_customer(store, "杭州恒达机械有限公司", agent="agent2", phone="13900005678")
    c = add_customer(store, "公共池客户有限公司", agent=None, phone="13700001111")
    add_callback(store, c, "HF202611003", agent=None)
    return store, agent1, agent2, sup, a, b, c


def test_initials_are_stored_on_insert(people):
    store, *_ = people
    with store.read() as s:
        names = {c.name: c.name_initials for c in s.exec(__import__("sqlmodel").select(Customer)).all()}
    assert names["绍兴恒泰化工有限公司"] == "sxhthgyxgs"


def test_search_by_initials_name_and_phone_within_the_role(people):
    store, agent1, agent2, sup, a, b, c = people
    assert [h.name for h in search_customers(store, agent1, "sxht")] == ["绍兴恒泰化工有限公司"]
    assert [h.name for h in search_customers(store, agent1, "恒")] == ["绍兴恒泰化工有限公司"]  # not agent2's
    assert [h.name for h in search_customers(store, sup, "恒")] == ["杭州恒达机械有限公司", "绍兴恒泰化工有限公司"]
    assert [h.name for h in search_customers(store, agent1, "1111")] == ["公共池客户有限公司"]  # the pool's
    hits = search_customers(store, sup, "5678")
    assert {h.name for h in hits} == {"绍兴恒泰化工有限公司", "杭州恒达机械有限公司"}
    assert all("****" in h.phone_masked for h in hits)  # SPEC §6: masked in lists
    assert search_customers(store, agent2, "sxht") == []
    assert search_customers(store, sup, "%") == []  # LIKE wildcards are literal


def test_card_is_refused_outside_the_role(people):
    store, agent1, agent2, sup, a, b, c = people
    assert customer_card(store, agent1, a).name == "绍兴恒泰化工有限公司"
    with pytest.raises(NotFound):
        customer_card(store, agent1, b)
    card = customer_card(store, sup, b)
    assert card.contacts[0][2] == "139****5678"


def test_my_calls_today_lists_only_mine(people):
    store, agent1, agent2, sup, a, b, c = people
    add_callback(store, a, "HF202611001", deadline_on=NOW.date() + timedelta(days=3))
    record_attempt(store, agent1, "HF202611001", CallRecord(outcome="no_answer"))
    calls = my_calls_today(store, agent1)
    assert [(x.number, x.outcome) for x in calls] == [("HF202611001", "no_answer")]
    assert my_calls_today(store, agent2) == []


async def test_slash_searches_and_opens_the_card(people):
    store, agent1, *_ = people
    app = HuifangApp(store, agent1)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.query_one(Input).has_focus
        await pilot.press(*"sxht")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("#search-table", DataTable)
        assert table.row_count == 1
        await pilot.press("enter", "enter")  # to the results, open the card
        await app.workers.wait_for_complete()
        await pilot.pause()
        from rich.console import Console

        from huifang_tui.screens.search import card_group

        console = Console(width=80, record=True)
        console.print(card_group(app.screen.card))
        body = console.export_text()
        assert "绍兴恒泰化工有限公司" in body and "138****5678" in body
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "QueueScreen"
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "0" in str(app.screen.query_one("#search-hint", Static).render())
