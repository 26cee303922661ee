"""Dialogs and F1 break Chinese text by the line-breaking rules (issue 25, dialogs and notices
item 1): a code stays whole, no line starts with ） or ，, a date keeps its time where the pair
fits, and text people typed is shown literally."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.geometry import Region

from huifang_tui.core.i18n import set_lang
from huifang_tui.domain.linebreak import NO_START
from huifang_tui.screens.dialogs import ConfirmDialog, MessageDialog, TextDialog

BODY = ("回访单 HF202612067 使用回访（已安排到 2026-12-14 10:00），请在截止时间 2026-12-08 23:59，"
        "之前处理；[b]客户写的[/b] 不是标记。回访单 HF202612107 改约（第二次）。")


class _App(App):
    """The dialogs alone (no store): the app's one hook they call, with its default."""

    def settle_inputs(self, root) -> None:  # noqa: ANN001
        for widget in root.query("Input"):
            widget.cursor_blink = False


@pytest.fixture(autouse=True)
def _zh():
    set_lang("zh_CN")


def _lines(widget) -> list[str]:  # noqa: ANN001
    r = widget.size
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, r.width, r.height))]


def _check(lines: list[str]) -> None:
    text = "".join(line.strip() for line in lines)
    for code in ("HF202612067", "HF202612107", "2026-12-14 10:00", "2026-12-08 23:59"):
        assert any(code in line for line in lines), (code, lines)
    assert "[b]客户写的[/b]" in text  # literal: not read as markup
    for line in lines:
        assert not line.strip() or line.strip()[0] not in NO_START, lines


@pytest.mark.parametrize("make", [
    lambda: MessageDialog("标题", BODY),
    lambda: ConfirmDialog(BODY),
    lambda: TextDialog("标题", BODY),
])
@pytest.mark.parametrize("width", [80, 60, 46])
async def test_dialog_bodies_break_by_the_rules(make, width):
    app = _App()
    async with app.run_test(size=(width, 24)) as pilot:
        dialog = make()
        app.push_screen(dialog)
        await pilot.pause()
        body = dialog.query_one(".dialog-body" if not isinstance(dialog, TextDialog) else "#dialog-error")
        _check(_lines(body))
        await pilot.resize_terminal(width - 12, 24)  # re-wrapped at the new width
        await pilot.pause()
        _check(_lines(body))
        assert max(len(line) for line in _lines(body)) <= body.size.width


async def test_a_typed_refusal_in_the_text_dialog_is_shown_by_the_rules():
    app = _App()
    async with app.run_test(size=(60, 24)) as pilot:
        dialog = TextDialog("标题", "提示")
        app.push_screen(dialog)
        await pilot.pause()
        dialog.show_error(BODY)
        await pilot.pause()
        _check(_lines(dialog.query_one("#dialog-error")))
