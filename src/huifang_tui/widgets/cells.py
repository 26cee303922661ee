"""Formatted table cells (no database access here)."""

from __future__ import annotations

from rich.text import Text

from ..domain.queue import Countdown
from ..i18n import t


def countdown_label(cd: Countdown) -> str:
    """剩2天 / 今天到期 / 剩5小时 / 逾期1天 / 逾期3小时."""
    if cd.hours is not None:
        hours = max(1, round(cd.hours))
        return t("cd.over_hours", n=hours) if cd.overdue else t("cd.left_hours", n=hours)
    if cd.overdue:
        return t("cd.over_days", n=cd.working_days)
    if cd.working_days == 0:
        return t("cd.today")
    return t("cd.left_days", n=cd.working_days)


def countdown_text(cd: Countdown, estimated: bool = False) -> Text:
    style = "bold red" if cd.overdue else ("yellow" if (cd.working_days == 0 or (cd.hours is not None and cd.hours < 4)) else "")
    text = Text(countdown_label(cd), style=style)
    if estimated:
        text.append(t("cd.estimated_mark"), style="italic dim")
    return text
