"""Monthly 回访汇总表 due date (SPEC §3 "Monthly summary"; 000 §4.9 次月2日前报总经理).

``due_on`` is the 2nd of M+1 as the seed states it, *not* moved to a working day (a
deadline "by the 2nd" may fall on a holiday; the supervisor sees it from ``visible_from``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from .calendar import WorkCalendar
from .policy import Policy


@dataclass(frozen=True, slots=True)
class SummaryDue:
    visible_from: date  # last working day of month M
    due_on: date  # day `summary_due_day` (2) of month M+1


def summary_due(year: int, month: int, cal: WorkCalendar,
                policy: Policy | None = None) -> SummaryDue:
    first_next = date(year, month, 1) + relativedelta(months=1)
    due_day = (policy or Policy()).summary_due_day
    return SummaryDue(cal.on_or_before(first_next - timedelta(days=1)),
                      first_next.replace(day=due_day))
