"""The supervisor board in a supervisor's first week (issue 25 item 15): the monthly summary's alert
names who owes it (the supervisors, who approve it; never the pool), and a day that is not a
working day says so on the status line."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import DataTable, Static

from huifang_tui.screens.board import BoardScreen

from pilot_help import settle

NOW = datetime(2026, 11, 23, 10, 30)  # a Monday; the demo's October summary is not approved


async def _board(pilot):  # noqa: ANN001, ANN202
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BoardScreen)
    return screen


async def test_the_summary_alert_names_the_supervisors(demo_app):
    app = demo_app("supervisor", NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _board(pilot)
        table = screen.query_one("#board-alerts", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        due = [r for r in rows if r[2] == "2026-10"]
        assert due, rows
        assert due[0][4] == "主管"  # who owes it: not blank, not 公共池 (the shared pool)
        pool_rows = [r for r in rows if r[4] == "公共池"]
        assert all(r[2].startswith(("HF", "WT")) for r in pool_rows)  # the pool names only unassigned work


async def test_a_rest_day_says_so(demo_app):
    app = demo_app("supervisor", NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _board(pilot)

        def status() -> str:
            return str(screen.query_one("#board-status", Static).render())

        assert "休息日" not in status()  # Monday 11-23: a working day
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status().startswith("2026-11-22") and "周日，休息日（非工作日）" in status()
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status().startswith("2026-11-21") and "周六，休息日（非工作日）" in status()
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status().startswith("2026-11-20") and "休息日" not in status()  # Friday


def test_huifang_board_names_the_supervisors_too(store, monkeypatch, capsys):
    """``huifang board`` (text) says the same as the screen: 主管 owe the month's summary."""
    from huifang_tui import cli
    from huifang_tui.store.models import Setting

    from factories import add_user

    monkeypatch.setenv("HUIFANG_DATABASE_URL", store.url)
    add_user(store, "agent1")
    add_user(store, "supervisor", "supervisor", "周主管")
    with store.write() as s:
        s.add(Setting(key="demo", value="1"))  # --as works on a demo database only
    assert cli.main(["--as", "supervisor", "board", "--date", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "2026-10" in line)
    assert "主管" in row and "公共池" not in row
