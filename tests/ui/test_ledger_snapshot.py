"""Snapshots of the ledger at 80×24 (issue 10 §7) and one issue's detail: fixed clock, the demo
data with its six issues (overdue/escalated, at risk, complaint, waiting, closed, fresh).

Regenerate only after looking at the report: `pytest tests/ui/test_ledger_snapshot.py --snapshot-update`.
"""

from __future__ import annotations


from pilot_help import settle


async def _ledger(pilot) -> None:
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)


def test_ledger_screen_80x24(snap_compare, demo_app):
    assert snap_compare(demo_app("supervisor"), terminal_size=(80, 24), run_before=_ledger)


def test_issue_detail_80x24(snap_compare, demo_app):
    async def detail(pilot) -> None:
        await _ledger(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(demo_app("supervisor"), terminal_size=(80, 24), run_before=detail)
