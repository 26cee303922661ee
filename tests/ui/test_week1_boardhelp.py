"""The board's F1 says what its columns mean, the way the queue's does (issue 25 item 4 of the
supervisor review): 应办/已尝试/已完成/剩余 as the day's figures define them, 逾期, 无法联系, 均分,
the state and its time ("空闲 0分"), 进度 and 预计 — under the words the board's headers use, so
the English short headers (Unr., Proj.) are explained too."""

from __future__ import annotations

from datetime import datetime

import pytest
from pilot_help import settle
from textual.widgets import Static

from huifang_tui.core.i18n import get_lang, set_lang, t

NOW = datetime(2026, 11, 23, 10, 30)
HEADS = ("dayfig.due", "dayfig.attempted", "dayfig.done", "dayfig.left", "board.col.overdue",
         "board.col.unreachable", "board.col.scores", "board.col.state", "board.col.bar", "board.col.projected",
         "board.idle", "board.calling", "board.closed")


@pytest.fixture
def lang():
    was = get_lang()
    yield
    set_lang(was)


async def test_f1_on_the_board_explains_its_columns(demo_app):
    from huifang_tui.screens.board import BoardScreen
    from huifang_tui.screens.help import HelpScreen

    app = demo_app("supervisor", NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        note = str(app.screen.query_one("#help-note", Static).render())
    assert note == t("boardhelp.note")
    missing = [k for k in HEADS if t(k).strip("（）() ") not in note]
    assert not missing
    assert t("board.idle") + " " + t("board.dur.m", n=0) in note  # the state as the board shows it


@pytest.mark.parametrize("language", ("zh_CN", "en"))
def test_the_note_names_every_column_under_its_header(lang, language):
    set_lang(language)
    note = t("boardhelp.note")
    missing = [k for k in HEADS if t(k).strip("（）() ").lower() not in note.lower()]
    assert not missing, (language, missing)
    if language == "en":
        assert "Unr. =" in note and "Proj. =" in note
