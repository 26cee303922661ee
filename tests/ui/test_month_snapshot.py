"""Snapshot of the 客户回访汇总记录表 view at 80×24 (issue 11 §8): fixed clock, demo data, no blink.

Regenerate only after looking at the report: `pytest tests/ui/test_month_snapshot.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import date, datetime

from pilot_help import settle
from huifang_tui.app import HuifangApp
from huifang_tui.demo import build_demo
from huifang_tui.services.base import Store
from huifang_tui.services.users import resolve_actor

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 30)



def test_month_view(snap_compare, tmp_path):
    store = Store("sqlite:///" + str(tmp_path / "demo.db"), clock=lambda: NOW)
    store.ensure_schema()
    build_demo(store, TODAY, seed=7)
    app = HuifangApp(store, resolve_actor(store, "supervisor"), cursor_blink=False)

    async def open_month(pilot) -> None:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_month)
