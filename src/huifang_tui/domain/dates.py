"""The dates the product accepts anywhere (SPEC §5, §6): 2000-01-01 … 2099-12-31.

A date outside this range is a typo (9999-12-31, 0024-05-01, an Excel serial read as a
year) and would break the planner's arithmetic for everyone, so every door refuses it:
imports, ``--when``/``--to``, ``--date``, calendar overrides.
"""

from __future__ import annotations

from datetime import date, datetime

FIRST = date(2000, 1, 1)
LAST = date(2099, 12, 31)


def in_range(d: date | datetime) -> bool:
    day = d.date() if isinstance(d, datetime) else d
    return FIRST <= day <= LAST
