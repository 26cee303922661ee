"""Writers for the 客户回访汇总记录表 (.xlsx, .csv). Plain rows and figures in; no database.

The columns follow the paper form (SPEC §5 客户回访记录表, 003 表2; issue 11 §1).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from ..core.i18n import t
from ..core.safe_text import defuse_cell

# (attribute of RecordLine, catalog key of the header)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "report.col.number"),
    ("day", "report.col.day"),
    ("customer", "report.col.customer"),
    ("contact", "report.col.contact"),
    ("phone", "report.col.phone"),
    ("ref", "report.col.ref"),
    ("service_staff", "report.col.service_staff"),
    ("kind", "report.col.kind"),
    ("channel", "report.col.channel"),
    ("score_resolution", "report.col.score_resolution"),
    ("score_attitude", "report.col.score_attitude"),
    ("suggestions", "report.col.suggestions"),
    ("issues", "report.col.issues"),
    ("improvement", "report.col.improvement"),
    ("owner", "report.col.owner"),
    ("follow_status", "report.col.follow_status"),
    ("agent", "report.col.agent"),
    ("late_entry", "report.col.late_entry"),
    ("note", "report.col.note"),  # 备注: attempt notes, a 拒访's reason (issue 22 §7)
    ("part", "sheet.col.part"),  # 本月计入: which of the month's figures it counts in (issue 25 item 26)
)


def headers() -> list[str]:
    return [t(key) for _, key in COLUMNS]


def cell_values(rec: Any, names: dict[str, str] | None = None) -> list[Any]:
    """One record as the form shows it: labels for codes, names for logins."""
    names = names or {}
    out: list[Any] = []
    for attr, _ in COLUMNS:
        v = getattr(rec, attr)
        if attr == "kind":
            v = t(f"kind.{v}")
        elif attr == "channel":
            v = t(f"channel.{v}")
        elif attr == "issues":
            v = "、".join(v)
        elif attr == "agent":
            v = names.get(v, v)
        elif attr == "late_entry":
            v = t("report.yes") if v else ""
        elif attr == "part":
            v = rec.part_text()
        out.append("" if v is None else v)
    return out


def display_width(text: str) -> int:
    """Terminal/Excel columns: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(rows: Sequence[Sequence[Any]], header: Sequence[str], *, sample: int = 2000,
                  lo: int = 6, hi: int = 40) -> list[int]:
    """Widths that fit Chinese text: the widest of the header and the first *sample* rows."""
    widths = [display_width(h) for h in header]
    for row in rows[:sample]:
        for i, v in enumerate(row):
            if v is None:
                continue
            w = display_width(str(v))
            widths[i] = max(widths[i], w)
    return [max(lo, min(hi, w + 2)) for w in widths]


def defuse(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe
    (CSV injection: ``core.safe_text.defuse_cell``); numbers and dates stay as they are."""
    return defuse_cell(value) if isinstance(value, str) else value


def kpi_label(key: str) -> str:
    return t(f"kpi.{key}")


def kpi_table(overall: dict, agents: dict[str, dict],
              login_label: Callable[[str], str] = str) -> tuple[list[str], list[list[Any]]]:
    """Sheet 2 / the KPI CSV block: one row per KPI (score counts spread over ten rows),
    one column for all and one per login."""
    from ..domain.kpi import KPI_KEYS

    cols = [overall, *agents.values()]
    header = [t("report.kpi.name"), t("report.kpi.key"), t("report.kpi.overall"),
              *(login_label(k) for k in agents)]
    rows: list[list[Any]] = []
    for key in KPI_KEYS:
        if key == "score_counts":
            for part in ("resolution", "attitude"):
                for n in range(1, 6):
                    rows.append([t(f"report.kpi.counts_{part}", n=n), f"score_counts.{part}.{n}",
                                 *(c[key][part][n - 1] for c in cols)])
            continue
        rows.append([kpi_label(key), key, *(c[key] for c in cols)])
    return header, rows
