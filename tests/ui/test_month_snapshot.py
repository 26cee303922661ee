"""Snapshot of the 客户回访汇总记录表 view at 80×24 (issue 11 §8): fixed clock, demo data, no blink.

Regenerate only after looking at the report: `pytest tests/ui/test_month_snapshot.py --snapshot-update`.
"""

from __future__ import annotations


from pilot_help import settle


def test_month_view(snap_compare, demo_app):
    app = demo_app("supervisor")

    async def open_month(pilot) -> None:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_month)
