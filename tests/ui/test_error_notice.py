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
        monkeypatch.setattr(queue_service, "queue_snapshot", lambda *a, **kw: _locked())
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, MessageDialog):
                break
        assert isinstance(app.screen, MessageDialog) and app.screen.error
        assert not [n for n in app._notifications if "database is locked" in n.message]


async def test_a_failed_save_on_the_call_screen_is_one_titled_notice(desk, tmp_path, monkeypatch):
    """The call screen's failures go the same one way (screens/background.py, the app's handler):
    an outcome that could not be saved is one error notice under "无法保存", in plain words and
    never read as markup, no dialog; the form is back to editing so that the agent may try again."""
    from huifang_tui.screens import call as call_screen
    from huifang_tui.screens.dialogs import MessageDialog
    from huifang_tui.widgets.call_form import Phase

    from pilot_help import open_first

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    store, agent = desk
    app = HuifangApp(store, agent)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_first(pilot)
        monkeypatch.setattr(call_screen, "record_attempt", lambda *a, **kw: _locked())
        await pilot.press("f6")  # 关机: with tries left, saved without a question
        for _ in range(100):  # wait_for_complete() re-raises a failed worker's error
            await pilot.pause(0.05)
            if app._notifications:
                break
        await pilot.pause(0.1)
        notes = list(app._notifications)
        assert [(n.title, n.severity, n.markup) for n in notes] == [("无法保存", "error", False)]
        assert notes[0].message.startswith("数据库 huifang.db 正被其他程序长时间占用（等待超时）。")
        assert not any(isinstance(s, MessageDialog) for s in app.screen_stack)
        assert app.screen is screen and screen.phase is Phase.EDITING


async def test_a_replaced_worker_reports_nothing(store, tmp_path, monkeypatch):
    """An exclusive load replaced by a newer one is cancelled: if the old one fails after that,
    nothing is shown (as a cancelled Textual worker reports nothing)."""
    import threading

    from huifang_tui.screens.dialogs import MessageDialog
    from huifang_tui.services import queue as queue_service

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = HuifangApp(store, add_user(store, "agent1", "agent"))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        go, loads = threading.Event(), []
        real = queue_service.queue_snapshot

        def first_fails(*a, **kw):
            loads.append(1)
            if len(loads) == 1:
                go.wait(5)
                _locked()
            return real(*a, **kw)

        monkeypatch.setattr(queue_service, "queue_snapshot", first_fails)
        await pilot.press("r")
        for _ in range(100):
            await pilot.pause(0.02)
            if loads:
                break
        await pilot.press("r")  # the newer load cancels the first, still waiting
        await pilot.pause(0.1)
        go.set()
        for _ in range(20):
            await pilot.pause(0.05)
        assert len(loads) >= 2  # the first failed after the second replaced it
        assert not any(isinstance(s, MessageDialog) for s in app.screen_stack) and not app._notifications
