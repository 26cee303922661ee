"""Ctrl+R's issue dialog keeps what was typed (issue 25, dialogs and notices item 4): Esc with
text typed asks 放弃已填写的内容吗？ (y discards, n keeps it, Esc goes back to the fields); kept
text comes back when Ctrl+R is pressed again in the same call; the description is a multi-line
field of at most TEXT_MAX characters that fits at 80×24, Tab going on to the next field."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from huifang_tui.app import HuifangApp
from huifang_tui.core.i18n import t
from huifang_tui.domain.limits import TEXT_MAX
from huifang_tui.screens.call import CallScreen
from huifang_tui.screens.dialogs import DiscardDialog, IssueDialog

from pilot_help import open_first, settle

LONG = "客户反映滤板漏液，" * 60  # ~600 characters


async def _open_issue(pilot) -> IssueDialog:  # noqa: ANN001
    await pilot.press("ctrl+r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, IssueDialog)
    return pilot.app.screen


async def test_esc_asks_before_discarding_and_n_keeps_the_text_for_this_call(desk):
    store, agent = desk
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        call = await open_first(pilot)
        dialog = await _open_issue(pilot)
        dialog.query_one("#issue-title", Input).value = "滤板漏液"
        dialog.query_one("#issue-description", TextArea).text = LONG
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardDialog)  # asked, nothing thrown away yet
        assert t("issuedraft.question") in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("escape")  # back to the fields, all there
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one("#issue-description", TextArea).text == LONG
        await pilot.press("escape", "n")  # close, keeping it
        await settle(pilot)
        assert app.screen is call
        dialog = await _open_issue(pilot)  # offered again in the same call
        assert dialog.query_one("#issue-title", Input).value == "滤板漏液"
        assert dialog.query_one("#issue-description", TextArea).text == LONG
        await pilot.press("escape", "y")  # discarded: the next one is empty
        await settle(pilot)
        assert app.screen is call
        dialog = await _open_issue(pilot)
        assert dialog.query_one("#issue-title", Input).value == ""
        assert dialog.query_one("#issue-description", TextArea).text == ""
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)


async def test_the_description_is_multi_line_bounded_and_tab_moves_on(desk):
    store, agent = desk
    app = HuifangApp(store, agent, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first(pilot)
        dialog = await _open_issue(pilot)
        await pilot.press(*"ab", "tab")
        await settle(pilot)
        field = dialog.query_one("#issue-description", TextArea)
        assert app.focused is field
        await pilot.press(*"x", "enter", *"y")  # Enter starts a new line in the description
        await settle(pilot)
        assert field.text == "x\ny" and field.region.height >= 3
        assert field.region.bottom <= 24
        field.text = "z" * (TEXT_MAX - 3)
        field.move_cursor(field.document.end)
        await pilot.press(*"12345")  # no further than TEXT_MAX
        await settle(pilot)
        assert len(field.text) == TEXT_MAX
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is not field and app.focused.id != "issue-description"
