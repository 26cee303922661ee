"""The supervisor board's pure rules (SPEC §4 主管看板; issue 12): when a condition began, at
which moment a day's overdue is judged, and the projected end-of-day completion. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

# SPEC §3 working hours (08:30–12:00, 13:30–17:30) unless the policy says otherwise.
DEFAULT_WORK_HOURS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


def judge_moment(day: date, now: datetime) -> datetime:
    """Overdue is judged at ``now`` for today (or a later day), at the end of ``day`` for a past day."""
    if day < now.date():
        return datetime.combine(day, time.max)
    return now


def overdue_since(deadline_on: date, deadline_at: datetime | None) -> datetime:
    """When a callback became overdue: its hour deadline, else the start of the day after its date."""
    if deadline_at is not None:
        return deadline_at
    return datetime.combine(deadline_on + timedelta(days=1), time.min)


def working_minutes(day: date, start: datetime, end: datetime,
                    hours: Sequence[tuple[time, time]] = DEFAULT_WORK_HOURS) -> float:
    """Minutes of working hours on ``day`` between ``start`` and ``end``."""
    total = 0.0
    for a, b in hours:
        lo = max(start, datetime.combine(day, a))
        hi = min(end, datetime.combine(day, b))
        if hi > lo:
            total += (hi - lo).total_seconds() / 60
    return total


def projected_completion(done: int, due: int, day: date, now: datetime,
                         hours: Sequence[tuple[time, time]] = DEFAULT_WORK_HOURS) -> float | None:
    """Share of the day's ``due`` done by the end of working hours at the pace so far.

    Pace = done per working minute since the day's first working hour. None before any
    working time has passed today (no pace yet); for a past day it is simply done / due.
    """
    if due <= 0:
        return None
    if day < now.date():
        return min(1.0, done / due)
    if day > now.date():
        return None
    start = datetime.combine(day, time.min)
    end = datetime.combine(day, time.max)
    worked = working_minutes(day, start, now, hours)
    if worked <= 0:
        return None
    left = working_minutes(day, now, end, hours)
    projected = done + done / worked * left
    return min(1.0, projected / due)
