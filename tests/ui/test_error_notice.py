"""A failing database worker ends in one plain notice (issue 13 item 6): the catalog's words,
the log named, no traceback, and nothing in it read as Rich markup."""

from __future__ import annotations

import sqlite3

from huifang_tui.app import HuifangApp
from huifang_tui.errors import ServiceError

from factories import add_user


def _locked() -> None:
    raise sqlite3.OperationalError("database is locked")


def _refused() -> None:
    raise ServiceError("客户 [bold]甲公司[/bold] 不存在")


async def test_a_locked_database_is_one_plain_notice(store, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = HuifangApp(store, add_user(store, "agent1", "agent"))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        app.db_task(_locked)
        app.db_task(_refused)
        for _ in range(100):  # wait_for_complete() re-raises a failed worker's error
            await pilot.pause(0.05)
            if len(app._notifications) >= 2:
                break
        notes = [n.message for n in app._notifications]
        locked = next(m for m in notes if "等待超时" in m)
        assert locked.startswith("数据库 huifang.db 正被其他程序长时间占用（等待超时）。")
        assert str(tmp_path / "state" / "huifang" / "huifang.log") in locked and "Traceback" not in locked
        assert "客户 [bold]甲公司[/bold] 不存在" in notes  # shown as written, markup=False
        assert all(not n.markup for n in app._notifications)
