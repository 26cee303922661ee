"""The agent's walk after issue 25: the defer dialog's example day, the queue header's filter label,
the day-close refusal's and `t`'s scrolling tables, `t`'s footer, the request mark and 改约."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable

from huifang_tui.app import HuifangApp

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
