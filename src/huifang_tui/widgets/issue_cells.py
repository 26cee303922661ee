"""Cells of the issue ledger: deadline countdowns and the escalation level (no database here)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ..domain.issues import LEVELS
from ..core.i18n import t

LEVEL_STYLES = ("green", "bold yellow", "bold white on red")


def deadline_countdown(deadline: datetime | None, now: datetime, *, done: bool = False,
                       overdue: bool = False, at_risk: bool = False) -> Text:
    """剩5时 / 剩2天 / 逾期3时 / ✓ (met) / – (not owed).  Red when overdue, yellow at risk."""
    if done:
        return Text(t("ledger.cd.done"), style="dim")
    if deadline is None:
        return Text(t("ledger.cd.none"), style="dim")
    secs = (deadline - now).total_seconds()
    hours = abs(secs) / 3600
    if hours < 48:
        n, key = max(1, round(hours)), "hours"
    else:
        n, key = round(hours / 24), "days"
    if secs < 0 or overdue:
        return Text(t(f"ledger.cd.over_{key}", n=n), style="bold red")
    return Text(t(f"ledger.cd.left_{key}", n=n), style="yellow" if at_risk else "")


def level_text(level: int, short: bool = False) -> Text:
    """Who the issue is escalated to; ``short``: the catalog's form for a narrow ledger."""
    key = f"ledgershort.level.{LEVELS[level]}" if short else f"ledger.level.{LEVELS[level]}"
    return Text(t(key), style=LEVEL_STYLES[level])
