"""A failing database worker ends in one plain error dialog (issue 13 item 6): the catalog's
words, the log named, no traceback, nothing in it read as Rich markup; a refusal by a rule is a
notice the user reads and goes on from."""

from __future__ import annotations

import sqlite3

from huifang_tui.app import HuifangApp
from huifang_tui.core.errors import ServiceError

from factories import add_user


def _locked() -> None:
    raise sqlite3.OperationalError("database is locked")


def _refused() -> None:
    raise ServiceError("客户 [bold]甲公司[/bold] 不存在")


async def test_a_locked_database_is_one_plain_dialog(store, tmp_path, monkeypatch):
    from textual.widgets import Static

    from huifang_tui.screens.dialogs import MessageDialog

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = HuifangApp(store, add_user(store, "agent1", "agent"))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        app.db_task(_locked)
        app.db_task(_refused)
        app.db_task(_locked)  # a second failure while the dialog is open: still one dialog
        for _ in range(100):  # wait_for_complete() re-raises a failed worker's error
            await pilot.pause(0.05)
            if app._notifications and isinstance(app.screen, MessageDialog):
                break
        await pilot.pause(0.2)
        dialogs = [s for s in app.screen_stack if isinstance(s, MessageDialog)]
        assert len(dialogs) == 1
        body = str(dialogs[0].query_one(".dialog-body", Static).render())
        assert body.startswith("数据库 huifang.db 正被其他程序长时间占用（等待超时）。")
        assert str(tmp_path / "state" / "huifang" / "huifang.log") in body.replace("\n", "") and "Traceback" not in body
        notes = [n.message for n in app._notifications]
        assert notes == ["客户 [bold]甲公司[/bold] 不存在"]  # shown as written, markup=False
        assert all(not n.markup for n in app._notifications)
        await pilot.press("enter")
        assert not any(isinstance(s, MessageDialog) for s in app.screen_stack)


async def test_a_screen_whose_load_fails_takes_the_same_path(store, tmp_path, monkeypatch):
    """The queue's own loading worker failing (here: the lock held too long) ends in the same
    one dialog, never the exception's raw text as a notice."""
    from huifang_tui.screens.dialogs import MessageDialog
    from huifang_tui.services import queue as queue_service

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = HuifangApp(store, add_user(store, "agent1", "agent"))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        monkeypatch.setattr(queue_service, "queue_rows", lambda *a, **kw: _locked())
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, MessageDialog):
                break
        assert isinstance(app.screen, MessageDialog) and app.screen.error
        assert not [n for n in app._notifications if "database is locked" in n.message]
