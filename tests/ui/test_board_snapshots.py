"""Snapshots of the supervisor board at 80×24 (issue 12 §6): fixed clock, fixed demo data, no
blink; in the default colours and as a 16-colour terminal gets it (TEXTUAL_COLOR_SYSTEM=standard,
which the app meets with the ANSI theme).

Regenerate only after looking at the report: `pytest tests/ui/test_board_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual import constants

from pilot_help import settle

NOW = datetime(2026, 11, 23, 10, 30)


@pytest.mark.parametrize("colors", ["256", "standard"])
def test_board_80x24(snap_compare, demo_app, monkeypatch, colors):
    monkeypatch.setattr(constants, "COLOR_SYSTEM", colors)
    app = demo_app("supervisor", NOW)
    assert app.theme == ("ansi-dark" if colors == "standard" else "textual-dark")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_drill_down_80x24(snap_compare, demo_app):
    async def drill(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(demo_app("supervisor", NOW), terminal_size=(80, 24), run_before=drill)


def test_audit_viewer_80x24(snap_compare, demo_app):
    async def audit(pilot) -> None:
        # The start-up planner run (0.5 s after mounting) writes audit rows: let it run first,
        # so the log shown does not depend on which came first.
        await pilot.pause(0.8)
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)

    assert snap_compare(demo_app("supervisor", NOW), terminal_size=(80, 24), run_before=audit)
