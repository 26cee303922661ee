"""Snapshots of the key screens at 80×24 and 100×30: fixed clock, fixed demo data, no blink.

Regenerate only after looking at the report: `pytest tests/ui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pilot_help import settle
from huifang_tui.app import HuifangApp
from huifang_tui.demo import build_demo
from huifang_tui.services.base import Store
from huifang_tui.services.users import resolve_actor

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture
def demo_app(tmp_path):
    def make(login: str = "agent1") -> HuifangApp:
        store = Store("sqlite:///" + str(tmp_path / "demo.db"), clock=lambda: NOW)
        store.ensure_schema()
        build_demo(store, TODAY, seed=7)
        return HuifangApp(store, resolve_actor(store, login), cursor_blink=False)

    return make



@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_queue_screen(snap_compare, demo_app, size):
    assert snap_compare(demo_app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_call_screen(snap_compare, demo_app, size):
    async def open_call(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(demo_app(), terminal_size=size, run_before=open_call)


def test_help_screen(snap_compare, demo_app):
    async def help_(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(demo_app(), terminal_size=(80, 24), run_before=help_)
