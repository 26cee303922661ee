"""Formatted table cells (no database access here)."""

from __future__ import annotations

from rich.text import Text

from ..domain.queue import Countdown
from ..core.i18n import t


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


def ellipsize(text: Text, width: int) -> Text:
    """Text longer than its column ends in "…" (names are ellipsised, never cut)."""
    if text.cell_len <= width:
        return text
    out = text.copy()
    out.truncate(max(0, width - 1), overflow="crop")
    out.rstrip()  # a wide character split at the edge leaves a space: "…" follows the last whole one
    out.append("…")
    return out


def fit_widths(keys: list[str], heads: dict[str, str], rows: list[dict[str, Text]], caps: dict[str, int],
               flex: str, width: int, flex_min: int, scrollbar: int = 2) -> list[tuple[str, int]]:
    """Column widths for a terminal ``width`` wide: each column as wide as its header and its
    widest cell, up to its cap (a header is never cut); ``flex`` takes the rest (beside a
    vertical scrollbar ``scrollbar`` cells wide)."""
    from rich.cells import cell_len

    out: dict[str, int] = {}
    for key in keys:
        if key == flex:
            continue
        longest = max((r[key].cell_len for r in rows), default=0)
        out[key] = max(cell_len(heads[key]), min(caps[key], longest))
    used = sum(out.values()) + 2 * len(keys) + scrollbar  # cell padding + scrollbar
    out[flex] = max(flex_min, width - used)
    return [(k, out[k]) for k in keys]


def fit_row(table, cells) -> list:  # noqa: ANN001 - a DataTable
    """The cells of one row, each ellipsised to its column's width (a fixed-width column must
    not cut a name or a word silently)."""
    out = []
    for cell, col in zip(cells, table.ordered_columns):
        text = cell if isinstance(cell, Text) else Text(str(cell))
        out.append(ellipsize(text, col.width) if col.width else text)
    return out


def countdown_words(cd: Countdown, estimated: bool = False) -> Text:
    """A countdown in whole words (cdwords.*: "in 3 workdays", "1 day late") for a column with
    the room (issue 25 item 3). ``~`` marks a deadline counted on a year whose holiday calendar is
    estimated (the queue's F1 and its header's help say so)."""
    if cd.hours is not None:
        n, key = max(1, round(cd.hours)), "over_hours" if cd.overdue else "left_hours"
    elif cd.overdue:
        n, key = cd.working_days, "over_days"
    elif cd.working_days == 0:
        n, key = 0, "today"
    else:
        n, key = cd.working_days, "left_days"
    label = t(f"cdwords.{key}_one") if n == 1 else t(f"cdwords.{key}", n=n)
    style = "bold red" if cd.overdue else ("yellow" if (cd.working_days == 0 or (cd.hours is not None and cd.hours < 4)) else "")
    text = Text(t("fit.estimated"), style="italic dim") if estimated else Text()
    text.append(label, style=style)
    return text
