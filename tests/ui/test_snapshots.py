"""Snapshots of the key screens at 80×24 and 100×30: fixed clock, fixed demo data, no blink.

Regenerate only after looking at the report: `pytest tests/ui/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations


import pytest

from pilot_help import settle


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
