"""Formatted table cells (no database access here)."""

from __future__ import annotations

from rich.text import Text

from ..domain.queue import Countdown
from ..i18n import t


def countdown_label(cd: Countdown, short: bool = False) -> str:
    """剩2天 / 今天到期 / 剩5小时 / 逾期1天 / 逾期3小时; ``short``: the catalog's forms for
    narrow terminals (cdshort.*), whole words, never cut."""
    p = "cdshort" if short else "cd"
    if cd.hours is not None:
        hours = max(1, round(cd.hours))
        return t(f"{p}.over_hours", n=hours) if cd.overdue else t(f"{p}.left_hours", n=hours)
    if cd.overdue:
        return t(f"{p}.over_days", n=cd.working_days)
    if cd.working_days == 0:
        return t(f"{p}.today")
    return t(f"{p}.left_days", n=cd.working_days)


def countdown_text(cd: Countdown, estimated: bool = False, short: bool = False) -> Text:
    style = "bold red" if cd.overdue else ("yellow" if (cd.working_days == 0 or (cd.hours is not None and cd.hours < 4)) else "")
    if short and estimated:  # "~剩3工作日": the estimate marked in one cell
        text = Text(t("fit.estimated"), style="italic dim")
        text.append(countdown_label(cd, short=True), style=style)
        return text
    text = Text(countdown_label(cd, short), style=style)
    if estimated:
        text.append(t("cd.estimated_mark"), style="italic dim")
    return text
