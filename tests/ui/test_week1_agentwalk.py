"""The agent's walk after issue 25: the defer dialog's example day, the queue header's filter label,
the day-close refusal's and `t`'s scrolling tables, `t`'s footer, the request mark and 改约."""

from __future__ import annotations

from datetime import date

import pytest

from textual.widgets import DataTable

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t

from conftest import NOW
from factories import add_callback, add_customer, add_user


async def _ready(app, pilot) -> None:  # noqa: ANN001
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_defer_dialog_gives_an_example_day_from_today(store):
    """The example date is the next working day, never a fixed day now past (item 5)."""
    from huifang_tui.screens.dialogs import TextDialog

    agent = add_user(store, "agent1", "agent")
    add_callback(store, add_customer(store, "甲公司"), "HF202611001", deadline_on=date(2026, 11, 27))
    store.clock = lambda: NOW.replace(day=27)  # a Friday: the next working day is Monday
    app = HuifangApp(store, agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        assert "2026-11-30 客户出差" in app.screen.hint


LONG = "浙江省杭州市余杭区未来科技城智能装备制造有限公司第{n}分公司"  # wider than the box


def _left(store, n: int):  # noqa: ANN202
    agent = add_user(store, "agent1", "agent")
    for i in range(1, n + 1):
        add_callback(store, add_customer(store, LONG.format(n=i)), f"HF2026110{i:02d}", deadline_on=date(2026, 11, 27))
    return agent


async def _edge(app, pilot, table_id: str, box_id: str) -> None:  # noqa: ANN001
    """The table fits (no sideways scroll), says there is more below, and End/Home go to the
    last/first row."""
    table = app.screen.query_one(f"#{table_id}", DataTable)
    box = app.screen.query_one(f"#{box_id}")
    assert table.row_count > table.scrollable_content_region.height  # some rows are below the view
    assert table.max_scroll_x == 0 and not table.show_horizontal_scrollbar
    assert box.border_subtitle == t("scroll.more")
    await pilot.press("end")
    await pilot.pause()
    assert table.cursor_row == table.row_count - 1 and table.scroll_x == 0
    assert box.border_subtitle == ""  # at the bottom: nothing more below
    await pilot.press("home")
    await pilot.pause()
    assert table.cursor_row == 0 and box.border_subtitle == t("scroll.more")


async def test_the_day_close_refusal_scrolls_by_rows_only_and_says_more_below(store):
    """18 left, a dozen shown: fitted columns, the more-below edge, End to the last row (item 3)."""
    from huifang_tui.screens.dayclose import DayCloseRefusal

    app = HuifangApp(store, _left(store, 18))
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        await pilot.press("c")
        await _ready(app, pilot)
        assert isinstance(app.screen, DayCloseRefusal)
        await _edge(app, pilot, "dayclose-left", "dayclose-box")


async def test_my_calls_today_counts_calls_and_records_and_scrolls_by_rows(store):
    """`t`: one call to a customer with four callbacks is one call and four records (item 4); the
    table fits, says more below and End goes to the last row (item 3)."""
    from huifang_tui.screens.search import MyCallsScreen
    from huifang_tui.services.recording import CallRecord, record_attempt

    agent = _left(store, 15)
    four = add_customer(store, "宁波东方电气")
    for i in range(4):
        add_callback(store, four, f"HF2026119{i:02d}", deadline_on=date(2026, 11, 27))
    for i in range(1, 16):
        record_attempt(store, agent, f"HF2026110{i:02d}", CallRecord(outcome="no_answer"))
    # one call: the customer's four callbacks each get a record of it
    record_attempt(store, agent, "HF202611900", CallRecord(outcome="refused", reason="不需要回访"))
    app = HuifangApp(store, agent)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        await pilot.press("t")
        await _ready(app, pilot)
        assert isinstance(app.screen, MyCallsScreen)
        hint = str(app.screen.query_one("#search-hint").render())
        assert "今天 16 通电话，共 19 条回访记录" in hint
        await _edge(app, pilot, "today-table", "search-box")



def _busy_day(store):  # noqa: ANN001, ANN202
    """agent1's day with everything the header can say: work put off, an overdue one, the pool,
    and more than a page."""
    from huifang_tui.services.recording import defer, record_attempt, CallRecord

    agent = _left(store, 30)
    add_callback(store, add_customer(store, "乙公司"), "HF202611099", due_on=date(2026, 11, 18),
                 deadline_on=date(2026, 11, 20))  # overdue
    add_callback(store, add_customer(store, "丙公司", agent=None), "HF202611098", agent=None)  # the pool
    defer(store, agent, "HF202611001", "客户出差")
    record_attempt(store, agent, "HF202611002", CallRecord(outcome="no_answer"))
    return agent


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_filter_label_always_shows_in_the_header(store, lang):
    """With a kind filter (and a state filter) on, the header says so at 80 columns in both
    languages: the deferred figure and the 逾期 words give way first (item 2)."""
    from huifang_tui.core.i18n import get_lang, set_lang

    agent = _busy_day(store)
    was = get_lang()
    set_lang(lang)
    try:
        app = HuifangApp(store, agent)
        async with app.run_test(size=(80, 24)) as pilot:
            await _ready(app, pilot)
            for keys in (("k",), ("s",), ("k",)):  # a kind; and a state; then the next kind
                await pilot.press(*keys)
                await pilot.pause()
                status = str(app.screen.query_one("#queue-status").render())
                head = t("queue.filtered", what="\0", n=0).split("\0")[0]  # 筛选： / Filter:
                assert app.screen._filter_words() and head in status, status
                shown = status[status.index(head):]
                words = [*app.screen._filter_words(), *app.screen._filter_words(short=True)]
                assert any(w in shown for w in words), status
                assert status.startswith(t("dayfig.today", figures="")[:2])  # the day's figures stay first
    finally:
        set_lang(was)


def test_the_readme_and_f1_define_the_fifth_figure():
    """已推迟 is defined where the other four are: the README and the queue's F1 note (item 2)."""
    from pathlib import Path

    from huifang_tui.core.i18n import get_lang, set_lang

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    para = " ".join(readme[readme.index("The top line is the day's figures"):][:900].split())
    assert "已推迟 deferred" in para
    was = get_lang()
    try:
        for lang, word in (("zh_CN", "已推迟＝"), ("en", "deferred = ")):
            set_lang(lang)
            assert word in t("queuehelp.note")
    finally:
        set_lang(was)
